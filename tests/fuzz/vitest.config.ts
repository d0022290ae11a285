import { nodeProject } from "../node-project.js";

// The short fuzz run (about a minute over every target) and the regression tests of its findings.
export default nodeProject("fuzz", { groupOrder: 4, testTimeout: 150_000, hookTimeout: 30_000 });
