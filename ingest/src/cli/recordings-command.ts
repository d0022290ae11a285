import path from "node:path";
import { recordingsRoot } from "../app.js";
import type { Config } from "../config.js";
import { isValidStreamName, STREAM_NAME_RULE } from "../keys/stream-name.js";
import { resolveFfmpeg } from "../media/ffmpeg-path.js";
import { exportMp4 } from "../recording/mp4-export.js";
import { isRecordingId } from "../recording/recording-names.js";
import { RecordingStore } from "../recording/recording-store.js";
import { RecordingSwitches, RecordingSwitchesError } from "../recording/recording-switches.js";
import { EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, type Output } from "./keys-command.js";

const USAGE =
  "usage: recordings list [<stream>] | recordings delete <stream> <id> | recordings export <stream> <id> <file.mp4> | recordings off|on <stream>";

export interface RecordingsCommandIo extends Output {
  /** Progress of an export (a terminal line rewritten in place). */
  progress?(text: string): void;
}

/**
 * `recordings list|delete|export|off|on`. Works on the files directly: a running ingest sees a deletion
 * at its next request and a switch at the stream's next segment.
 */
export async function recordingsCommand(config: Config, args: readonly string[], io: RecordingsCommandIo): Promise<number> {
  const [action, ...rest] = args;
  const store = new RecordingStore(recordingsRoot(config));
  const switches = new RecordingSwitches(store.root);
  const usage = (text: string) => {
    io.err(`error: ${text}\n${USAGE}`);
    return EXIT_USAGE;
  };
  const badName = rest.slice(0, 1).find((s) => !isValidStreamName(s));
  if (badName !== undefined) return usage(`invalid stream name ${JSON.stringify(badName)}: expected ${STREAM_NAME_RULE}`);
  if ((action === "delete" || action === "export") && rest[1] !== undefined && !isRecordingId(rest[1])) {
    return usage(`invalid recording id ${JSON.stringify(rest[1])}: expected e.g. 20261203-221500 (see recordings list)`);
  }
  try {
    switch (action) {
      case "list": {
        if (rest.length > 1) return usage("recordings list takes at most one stream name");
        const list = await store.list(rest[0]);
        const off = await switches.offStreams();
        if (list.length === 0) io.out(`No recordings in ${store.root}.`);
        else {
          const width = Math.max(6, ...list.map((r) => r.stream.length)) + 2;
          io.out(
            [
              `${"STREAM".padEnd(width)}${"ID".padEnd(20)}${"STARTED".padEnd(26)}${"LENGTH".padEnd(10)}${"SIZE".padEnd(11)}STATE`,
              ...list.map(
                (r) =>
                  `${r.stream.padEnd(width)}${r.id.padEnd(20)}${r.startedAt.padEnd(26)}${formatLength(r.durationS).padEnd(10)}${formatSize(r.bytes).padEnd(11)}${r.endedAt === null ? "recording" : r.endReason === "recovered after a crash" ? "ended (recovered after a crash)" : "ended"}`,
              ),
            ].join("\n"),
          );
        }
        if (off.length > 0) io.out(`Recording is off for: ${off.join(", ")} (recordings on <stream> to resume).`);
        return EXIT_OK;
      }
      case "delete": {
        if (rest.length !== 2) return usage("recordings delete takes a stream name and a recording id");
        const [stream, id] = rest as [string, string];
        const recording = await store.read(stream, id);
        if (!recording) {
          io.err(`error: stream "${stream}" has no recording ${id} (see recordings list)`);
          return EXIT_RUNTIME;
        }
        if (recording.meta.endedAt === null) {
          io.err(
            `error: recording ${id} is still in progress; run "recordings off ${stream}" first (it then ends at the next segment), or wait for the show to end`,
          );
          return EXIT_RUNTIME;
        }
        await store.delete(stream, id);
        io.out(`Deleted recording ${id} of stream "${stream}".`);
        return EXIT_OK;
      }
      case "export": {
        if (rest.length !== 3) return usage("recordings export takes a stream name, a recording id and an output file");
        const [stream, id, output] = rest as [string, string, string];
        const recording = await store.read(stream, id);
        if (!recording || recording.index.segments.length === 0) {
          io.err(`error: stream "${stream}" has no recording ${id} (see recordings list)`);
          return EXIT_RUNTIME;
        }
        if (recording.meta.endedAt === null) {
          io.err(`error: recording ${id} is still in progress; export it once the show has ended`);
          return EXIT_RUNTIME;
        }
        let ffmpegPath: string;
        try {
          ffmpegPath = (await resolveFfmpeg()).path;
        } catch (error) {
          io.err(`error: ${(error as Error).message}`);
          return EXIT_RUNTIME;
        }
        let shown = -1;
        await exportMp4({
          ffmpegPath,
          recording,
          output: path.resolve(output),
          onProgress: (fraction) => {
            const percent = Math.floor(fraction * 100);
            if (percent === shown) return;
            shown = percent;
            (io.progress ?? io.err)(`exporting ${id}: ${percent}%`);
          },
        });
        io.out(`Wrote ${path.resolve(output)} (${formatLength(recording.index.segments.reduce((s, x) => s + x.dur, 0))}).`);
        return EXIT_OK;
      }
      case "off":
      case "on": {
        if (rest.length !== 1) return usage(`recordings ${action} takes exactly one stream name`);
        const stream = rest[0]!;
        const changed = await switches.set(stream, action === "on");
        const state = action === "on" ? "on" : "off";
        io.out(
          changed
            ? `Recording is now ${state} for stream "${stream}"; a running ingest applies it at the stream's next segment.`
            : `Recording was already ${state} for stream "${stream}".`,
        );
        return EXIT_OK;
      }
      default:
        return usage(action === undefined ? "recordings needs a subcommand" : `unknown recordings subcommand "${action}"`);
    }
  } catch (error) {
    if (error instanceof RecordingSwitchesError) {
      io.err(`error: ${error.message}`);
      return EXIT_RUNTIME;
    }
    throw error;
  }
}

export function formatLength(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
