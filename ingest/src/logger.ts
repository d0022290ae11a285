import { pino, type Logger } from "pino";
import type { LogLevel } from "./config.js";

export type { Logger };

/** The root logger: JSON lines on stdout; modules take `logger.child({ component })`. */
export function createLogger(level: LogLevel, destination: pino.DestinationStream = pino.destination(1)): Logger {
  return pino({ level, base: { pid: process.pid } }, destination);
}
