import type { Config } from "./config.js";
import { HttpServer } from "./http/server.js";
import { emptyDirectory } from "./http/stream-directory.js";
import type { Logger } from "./logger.js";

// Interim composition root: serves HTTP with no streams. The registry step replaces this file with
// the real wiring (RtmpServer + StreamRegistry + HttpServer) behind the same signature.
export async function startIngest(config: Config, logger: Logger): Promise<{ close(): Promise<void> }> {
  const http = new HttpServer({
    host: config.host,
    port: config.httpPort,
    allowOrigin: config.allowOrigin,
    logger,
    directory: emptyDirectory,
  });
  await http.start();
  return { close: () => http.close() };
}
