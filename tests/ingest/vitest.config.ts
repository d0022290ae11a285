import { nodeProject } from "../node-project.js";

export default nodeProject("ingest", { groupOrder: 0, testTimeout: 30_000, hookTimeout: 30_000 });
