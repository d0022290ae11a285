// The tests' one HTTP client: node:http(s) rather than fetch, because fetch normalises paths and pools
// connections, and tests need the exact request line and a connection of their own.
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Keep-alive agent (http.Agent or https.Agent); default: a new connection. */
  agent?: Agent;
  /** Certificate to trust for https. */
  ca?: Buffer;
  /** Socket idle timeout; default: none for request(), 30 s for get(). */
  timeoutMs?: number;
}

interface Target {
  https: boolean;
  host: string;
  port: number | string;
  path: string;
  /** Named in the timeout error. */
  label: string;
}

/** One request to 127.0.0.1:`port`; the path is sent exactly as given (no normalisation, unlike fetch). */
export function request(port: number, path: string, options: RequestOptions = {}): Promise<Reply> {
  return send({ https: false, host: "127.0.0.1", port, path, label: `http://127.0.0.1:${port}${path}` }, options);
}

/** One request to an http or https URL; its path and query are sent as the URL parser leaves them. */
export function get(url: string, options: RequestOptions = {}): Promise<Reply> {
  const target = new URL(url);
  return send(
    {
      https: target.protocol === "https:",
      host: target.hostname,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      label: url,
    },
    { ...options, timeoutMs: options.timeoutMs ?? 30_000 },
  );
}

function send(target: Target, options: RequestOptions): Promise<Reply> {
  const open = target.https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = open(
      {
        host: target.host,
        port: target.port,
        path: target.path,
        method: options.method ?? "GET",
        headers: options.headers,
        agent: options.agent ?? false,
        ...(options.ca ? { ca: options.ca } : {}),
        ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString("utf8") });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout: ${target.label}`)));
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Tracks whether a promise has settled, to assert a held request is still open. */
export function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { promise, settled: () => done };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
