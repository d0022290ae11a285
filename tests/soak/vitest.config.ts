import { nodeProject } from "../node-project.js";

// The soak test's own logic (trend estimates); the soak itself is `npm run soak`.
export default nodeProject("soak", { groupOrder: 4 });
