// SIGTERM to the ingest process in the middle of a live show: viewers waiting on a blocking reload get the
// ended playlist, no ffmpeg outlives the ingest, and it exits 0 within its 5 s shutdown deadline.
// (close() in-process is covered by tests/ingest/e2e/live-show.test.ts; this is the CLI's signal path.)
import { afterAll, describe, expect, it } from "vitest";
import { httpRequest } from "../../soak/http-client.js";
import { runCli } from "./cli.js";
import { childProcesses, cleanup, freePort, keysFile, processAlive, publish, STREAM, tempDir, until } from "./support.js";

afterAll(() => cleanup());

describe("SIGTERM during a live show", () => {
  it("ends every playlist, leaves no ffmpeg behind and exits 0 within the deadline", async () => {
    const dir = tempDir("sigterm");
    const { file, key } = await keysFile(dir);
    const [rtmpPort, httpPort] = [await freePort(), await freePort()];
    const ingest = runCli(["--host", "127.0.0.1", "--rtmp-port", String(rtmpPort), "--http-port", String(httpPort), "--data-dir", dir, "--keys", file]);
    await ingest.logged("RTMP server listening");
    const base = `http://127.0.0.1:${httpPort}/live/${STREAM}/`;
    const publisher = publish(`rtmp://127.0.0.1:${rtmpPort}/live/${key}`);
    // A playlist with a complete segment, just after a new one started (the next keyframe is ~1 s away).
    const text = await until("a fresh segment", async () => {
      const reply = await httpRequest(`${base}index.m3u8`);
      const body = reply.body.toString();
      const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-\d+-(\d+)\.m4s"/.exec(body);
      return reply.status === 200 && /seg-\d+\.m4s/.test(body) && hint && Number(hint[1]) <= 1 ? body : undefined;
    }, 30_000, 20);

    const remuxers = childProcesses(ingest.pid).filter((p) => p.comm === "ffmpeg");
    expect(remuxers).toHaveLength(1);
    // A viewer waiting for the next segment: it is answered by the shutdown, before that segment exists.
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-(\d+)-(\d+)\.m4s"/.exec(text)!;
    const held = httpRequest(`${base}index.m3u8?_HLS_msn=${Number(hint[1]) + 1}&_HLS_part=0`);

    const signalledAt = performance.now();
    ingest.kill("SIGTERM");
    const exit = await ingest.exited;
    const exitMs = performance.now() - signalledAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(exitMs).toBeLessThan(5_000);
    const reply = await held;
    expect(reply.status).toBe(200);
    expect(reply.body.toString()).toContain("#EXT-X-ENDLIST");
    for (const { pid } of remuxers) expect(processAlive(pid)).toBe(false);
    expect(ingest.stdout()).toContain('"msg":"stopped"');
    // The publisher loses its connection and stops too.
    const published = await publisher.exited;
    expect(published.code).not.toBe(0);
    console.info(`SIGTERM figures: ${JSON.stringify({ exitMs: Math.round(exitMs) })}`);
  });
});
