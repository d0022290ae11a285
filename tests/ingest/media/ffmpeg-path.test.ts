import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveFfmpeg, resolveFfprobe } from "../../../ingest/src/media/ffmpeg-path.js";

const noStatic = async () => null;

describe("resolveFfmpeg", () => {
  let dir: string;
  let broken: string;
  let systemPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ffmpeg-path-"));
    // An executable that exits non-zero, as a broken or wrong-architecture binary would.
    broken = path.join(dir, "broken-ffmpeg");
    await writeFile(broken, "#!/bin/sh\nexit 3\n");
    await chmod(broken, 0o755);
    systemPath = (await resolveFfmpeg({ PATH: process.env.PATH }, { loadStatic: noStatic })).path;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("finds ffmpeg on PATH and reports its version", async () => {
    const found = await resolveFfmpeg({ PATH: process.env.PATH }, { loadStatic: noStatic });
    expect(found.source).toBe("PATH");
    expect(path.isAbsolute(found.path)).toBe(true);
    expect(found.version).toMatch(/^ffmpeg version /);
  });

  it("prefers FFMPEG_PATH over everything else", async () => {
    const found = await resolveFfmpeg({ FFMPEG_PATH: systemPath, PATH: "" }, { loadStatic: async () => broken });
    expect(found).toMatchObject({ source: "FFMPEG_PATH", path: systemPath });
  });

  it("uses ffmpeg-static when FFMPEG_PATH is unset", async () => {
    const found = await resolveFfmpeg({ PATH: "" }, { loadStatic: async () => systemPath });
    expect(found).toMatchObject({ source: "ffmpeg-static", path: systemPath });
  });

  it("falls back past candidates that do not run", async () => {
    const found = await resolveFfmpeg(
      { FFMPEG_PATH: path.join(dir, "missing"), PATH: process.env.PATH },
      { loadStatic: async () => broken },
    );
    expect(found.source).toBe("PATH");
  });

  it("loads the optional ffmpeg-static package without failing when it is absent", async () => {
    const found = await resolveFfmpeg({ PATH: process.env.PATH });
    expect(["ffmpeg-static", "PATH"]).toContain(found.source);
  });

  it("names all three sources and the fix when nothing runs", async () => {
    const error = await resolveFfmpeg({ FFMPEG_PATH: broken, PATH: dir }, { loadStatic: noStatic }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    for (const needle of ["FFMPEG_PATH", "ffmpeg-static", "ffmpeg on PATH", "apt-get install ffmpeg", "does not run"]) {
      expect(message).toContain(needle);
    }
  });
});

describe("resolveFfprobe", () => {
  it("finds ffprobe on PATH", async () => {
    const found = await resolveFfprobe({ PATH: process.env.PATH });
    expect(found.version).toMatch(/^ffprobe version /);
  });

  it("fails with a clear message when ffprobe is missing", async () => {
    await expect(resolveFfprobe({ PATH: "" })).rejects.toThrow(/FFPROBE_PATH.*ffprobe on PATH.*apt-get install ffmpeg/s);
  });
});
