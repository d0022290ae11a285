import { createServer, connect } from "node:net";

/** A free loopback TCP port (bind to 0, read, release). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Retry check() every intervalMs until it returns a value, or throw after timeoutMs. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, intervalMs = 200): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  let lastError = "";
  while (performance.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (${lastError})` : ""}`);
}

export function waitForTcp(port: number, timeoutMs: number): Promise<true> {
  return waitFor(
    `TCP 127.0.0.1:${port}`,
    () =>
      new Promise<true | undefined>((resolve) => {
        const sock = connect({ host: "127.0.0.1", port }, () => {
          sock.destroy();
          resolve(true);
        });
        sock.once("error", () => resolve(undefined));
        sock.setTimeout(1000, () => {
          sock.destroy();
          resolve(undefined);
        });
      }),
    timeoutMs,
  );
}

/** GET url until it answers 2xx and accept(body) holds; returns the body. */
export function waitForHttp(
  url: string,
  timeoutMs: number,
  accept: (body: string) => boolean = () => true,
  headers: Record<string, string> = {},
): Promise<string> {
  return waitFor(
    url,
    async () => {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
      const body = await res.text();
      return res.ok && accept(body) ? body : undefined;
    },
    timeoutMs,
  );
}
