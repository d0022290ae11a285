// One ffmpeg child transcoding one rendition: fMP4 in on stdin, FLV tags out of stdout. Reports its exit
// once (clean or not, with the last lines of stderr for the log); never throws into the caller on a broken pipe.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { Logger } from "pino";
import { BoundedLineSplitter } from "../media/bounded-lines.js";
import { registerChild } from "../media/child-registry.js";
import type { FlvTag } from "../rtmp/flv.js";
import { FlvReader } from "./flv-reader.js";

export interface TranscoderProcessOptions {
  ffmpegPath: string;
  args: string[];
  logger: Logger;
  onTag(tag: FlvTag): void;
  /** Once: the child exited (code/signal), failed to start, or wrote a stream that is not FLV. */
  onExit(reason: string): void;
}

/** Bytes waiting to reach ffmpeg's stdin beyond which the transcoder counts as not keeping up. */
export const MAX_STDIN_BACKLOG = 8 * 1024 * 1024;

export class TranscoderProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly stderr: string[] = [];
  private exited = false;

  constructor(private readonly options: TranscoderProcessOptions) {
    this.child = spawn(options.ffmpegPath, options.args, { stdio: ["pipe", "pipe", "pipe"], windowsHide: true });
    registerChild(this.child);
    const reader = new FlvReader();
    this.child.stdout.on("data", (chunk: Buffer) => {
      if (this.exited) return;
      let tags: FlvTag[];
      try {
        tags = reader.push(chunk);
      } catch (error) {
        this.kill(`unreadable output: ${(error as Error).message}`);
        return;
      }
      for (const tag of tags) options.onTag(tag);
    });
    const lines = new BoundedLineSplitter((line) => {
      this.stderr.push(line);
      if (this.stderr.length > 5) this.stderr.shift();
    });
    this.child.stderr.on("data", (chunk: Buffer) => lines.push(chunk));
    // EPIPE when ffmpeg dies while we write: its exit is what matters, reported below.
    this.child.stdin.on("error", () => {});
    this.child.on("error", (error) => this.finish(`could not start: ${error.message}`));
    this.child.on("close", (code, signal) => {
      lines.end();
      const tail = this.stderr.length > 0 ? `: ${this.stderr.join(" | ")}` : "";
      this.finish(signal ? `killed by ${signal}${tail}` : `exited with code ${code}${tail}`);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Bytes written but not yet taken by ffmpeg. */
  get backlog(): number {
    return this.child.stdin.writableLength;
  }

  write(bytes: Buffer): void {
    if (!this.exited && this.child.stdin.writable) this.child.stdin.write(bytes);
  }

  /** Ends it (SIGKILL: nothing it holds is wanted any more); `onExit` still follows once. */
  kill(reason: string): void {
    if (this.exited) return;
    this.finish(reason);
    this.child.kill("SIGKILL");
  }

  private finish(reason: string): void {
    if (this.exited) return;
    this.exited = true;
    this.options.onExit(reason);
  }
}
