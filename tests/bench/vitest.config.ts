import { nodeProject } from "../node-project.js";

// The benchmarks' own parts (their load generator's HTTP client); the benchmarks are `npm run bench:*`.
export default nodeProject("bench", { groupOrder: 0 });
