import { nodeProject } from "../node-project.js";

// Fault injection against the real ingest with real ffmpeg publishers: one file at a time (they load the CPU).
export default nodeProject("faults", { groupOrder: 3, fileParallelism: false, testTimeout: 90_000, hookTimeout: 30_000 });
