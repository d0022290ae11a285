import { nodeProject } from "../node-project.js";

// Real ffmpeg publishers, real servers on loopback, real headless Chromium: one file at a time.
export default nodeProject("e2e", { groupOrder: 1, fileParallelism: false, testTimeout: 90_000, hookTimeout: 60_000 });
