import { PinoPretty, isColorSupported } from "pino-pretty";
import { pino, type Logger } from "pino";
import type { LogFormat, LogLevel } from "./config.js";

export type { Logger };

/** Where log lines go: stdout, or a test's stream. `isTTY` decides what "auto" means. */
export type LogOutput = NodeJS.WritableStream & { isTTY?: boolean };

/** "auto": pretty on a terminal; JSON lines under systemd (the journal), in a pipe or a file. */
export function prettyLogs(format: LogFormat, output: LogOutput): boolean {
  return format === "pretty" || (format === "auto" && output.isTTY === true);
}

/** The root logger; modules take `logger.child({ component })`. */
export function createLogger(level: LogLevel, format: LogFormat = "json", output: LogOutput = process.stdout): Logger {
  const options = { level, base: { pid: process.pid } };
  if (!prettyLogs(format, output)) {
    return pino(options, output === process.stdout ? pino.destination(1) : output);
  }
  // In-process and synchronous, so log lines and the plain-text start-up banner keep their order.
  const pretty = PinoPretty({
    destination: output === process.stdout ? 1 : output,
    sync: true,
    colorize: output.isTTY === true && isColorSupported,
    translateTime: "SYS:HH:MM:ss.l",
    ignore: "pid,hostname",
    singleLine: true,
  });
  return pino(options, pretty);
}
