// The files under ingest/deploy/, rendered for tests: exact substitutions that fail loudly when the
// shipped file no longer contains what the test replaces.
import { readFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import path from "node:path";

export const DEPLOY_DIR = new URL("../../../ingest/deploy/", import.meta.url).pathname;

/**
 * A shipped config with exact substitutions. Every `from` must occur in the file: when the shipped
 * file changes, the test fails here instead of silently testing something else.
 */
export async function renderShipped(file: string, substitutions: Array<[from: string, to: string]>): Promise<string> {
  let text = await readFile(path.join(DEPLOY_DIR, file), "utf8");
  for (const [from, to] of substitutions) {
    if (!text.includes(from)) throw new Error(`${file} no longer contains ${JSON.stringify(from)}`);
    text = text.split(from).join(to);
  }
  return text;
}

/** A loopback port that was free a moment ago (nginx needs a number in its config). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
