// The receiver against GStreamer's two RTMP sinks: rtmp2sink (GStreamer's own client) and rtmpsink, which wraps
// librtmp, the library OBS's RTMP output is a fork of (same command flow and chunking habits).
import { afterEach, describe, expect, it } from "vitest";
import { decodeErrors, ffprobe, killAll, run } from "./helpers/processes.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

const KEY = "good-key-0123456789";
const INSTALL_HINT =
  "install gstreamer1.0-tools, gstreamer1.0-plugins-base/-good, gstreamer1.0-plugins-bad (rtmp2sink, rtmpsink, voaacenc), gstreamer1.0-plugins-ugly (x264enc)";

async function hasElement(name: string): Promise<boolean> {
  try {
    return (await run("gst-inspect-1.0", [name], 15_000)).code === 0;
  } catch {
    return false; // gst-inspect-1.0 itself is missing
  }
}

const missing: string[] = [];
for (const element of ["rtmp2sink", "rtmpsink", "x264enc", "flvmux", "voaacenc"]) if (!(await hasElement(element))) missing.push(element);
if (missing.length > 0 && process.env.CI === "true") {
  throw new Error(`GStreamer elements missing under CI: ${missing.join(", ")}; ${INSTALL_HINT}`);
}
if (missing.length > 0) console.warn(`Skipping the GStreamer tests: missing ${missing.join(", ")}; ${INSTALL_HINT}`);

let s: TestServer | null = null;
afterEach(async () => {
  killAll();
  await s?.close();
  s = null;
});

/** 60 frames at 30 fps and 94 AAC frames of 1024 samples at 48 kHz: 2 s of H.264 + AAC into `sink`. */
function pipeline(sink: string[]): string[] {
  return [
    "-e",
    "videotestsrc",
    "num-buffers=60",
    "!",
    "video/x-raw,format=I420,width=320,height=240,framerate=30/1",
    "!",
    "x264enc",
    "tune=zerolatency",
    "key-int-max=30",
    "!",
    "h264parse",
    "!",
    "flvmux",
    "streamable=true",
    "name=mux",
    "!",
    ...sink,
    "audiotestsrc",
    "num-buffers=94",
    "samplesperbuffer=1024",
    "!",
    "audio/x-raw,rate=48000,channels=2",
    "!",
    "voaacenc",
    "!",
    "aacparse",
    "!",
    "mux.",
  ];
}

async function publishAndCheck(sink: (url: string) => string[]): Promise<void> {
  s = await startTestServer();
  const result = await run("gst-launch-1.0", pipeline(sink(`rtmp://127.0.0.1:${s.port}/live/${KEY}`)), 30_000);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  expect(s.publishes).toHaveLength(1);
  const summary = await s.recordings.get(s.publishes[0]!)!;
  const probe = await ffprobe(summary.path);
  expect(probe.streams.map((x) => `${x.codec_type}:${x.codec_name}`).sort()).toEqual(["audio:aac", "video:h264"]);
  expect(probe.streams.find((x) => x.codec_type === "video")).toMatchObject({ width: 320, height: 240 });
  const duration = Number(probe.format.duration);
  expect(duration).toBeGreaterThan(1.5);
  expect(duration).toBeLessThan(2.5);
  expect(await decodeErrors(summary.path)).toBe("");
  expect(s.logs.join("\n")).not.toContain(KEY);
}

describe.skipIf(missing.length > 0)("GStreamer publishers", () => {
  it("rtmp2sink publishes H.264 + AAC that reads back intact", async () => {
    await publishAndCheck((url) => ["rtmp2sink", `location=${url}`]);
  });

  it("rtmpsink (librtmp, as in OBS) publishes H.264 + AAC that reads back intact", async () => {
    await publishAndCheck((url) => ["rtmpsink", `location=${url} live=1`]);
  });
});
