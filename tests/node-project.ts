import { defineProject } from "vitest/config";

interface NodeProjectOptions {
  /** Projects run group by group, lowest first (see the root vitest.config.ts). */
  groupOrder: number;
  /** false: one file at a time (suites that start ffmpeg, servers or Chromium). */
  fileParallelism?: boolean;
  testTimeout?: number;
  hookTimeout?: number;
}

/** A vitest project of Node tests in tests/<name>/, run from the repository root. */
export function nodeProject(name: string, { groupOrder, ...options }: NodeProjectOptions) {
  return defineProject({
    test: {
      name,
      sequence: { groupOrder },
      environment: "node",
      include: [`tests/${name}/**/*.test.ts`],
      root: new URL("..", import.meta.url).pathname,
      ...options,
    },
  });
}
