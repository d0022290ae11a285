import { nodeProject } from "../node-project.js";

// Real nginx (reverse proxy and HTTP cache), the real ingest, real ffmpeg publishers, simulated
// LL-HLS viewers and real Chromium: one file at a time, long timeouts.
export default nodeProject("proxy", { groupOrder: 2, fileParallelism: false, testTimeout: 120_000, hookTimeout: 90_000 });
