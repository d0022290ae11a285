// Sends a file from disk (recordings: segments, the MP4 download), streamed, with single-range support
// like sendMedia. The file is opened before the headers go out, so a file deleted meanwhile is a 404.
import { open } from "node:fs/promises";
import type { OutgoingHttpHeaders } from "node:http";
import rangeParser from "range-parser";
import { cacheScope, sendError, type Exchange } from "./exchange.js";

export async function sendFile(ex: Exchange, file: string, headers: OutgoingHttpHeaders): Promise<void> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch {
    return sendError(ex, 404, "not found");
  }
  let size: number;
  try {
    size = (await handle.stat()).size;
  } catch {
    await handle.close();
    return sendError(ex, 404, "not found");
  }
  const all: OutgoingHttpHeaders = { ...ex.baseHeaders, ...cacheScope(ex, headers), "Accept-Ranges": "bytes" };
  let status = 200;
  let start = 0;
  let end = size - 1;
  const header = ex.req.headers.range;
  if (header !== undefined && ex.req.headers["if-range"] === undefined) {
    const ranges = rangeParser(size, header, { combine: true });
    if (ranges === -1) {
      await handle.close();
      return sendError(ex, 416, "range not satisfiable", { "Accept-Ranges": "bytes", "Content-Range": `bytes */${size}` });
    }
    if (ranges !== -2 && ranges.type === "bytes" && ranges.length === 1) {
      ({ start, end } = ranges[0]!);
      status = 206;
      all["Content-Range"] = `bytes ${start}-${end}/${size}`;
    }
  }
  const length = size === 0 ? 0 : end - start + 1;
  ex.res.writeHead(status, { ...all, "Content-Length": length });
  if (ex.req.method === "HEAD" || length === 0) {
    await handle.close();
    ex.res.end();
    return;
  }
  const stream = handle.createReadStream({ start, end, autoClose: true });
  stream.on("data", (chunk) => {
    ex.bytes += chunk.length;
  });
  stream.once("error", () => ex.res.destroy());
  ex.res.once("close", () => stream.destroy());
  stream.pipe(ex.res);
}
