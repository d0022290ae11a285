// Starts an RtmpServer on a free loopback port with captured logs and every publish recorded to an FLV file.
// Publishes go through the hub's one-publisher-per-stream rule (PublisherSlots), as in the ingest.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { RtmpLimits } from "../../../../ingest/src/rtmp/limits.js";
import type { RtmpPublish } from "../../../../ingest/src/rtmp/publish.js";
import { RtmpServer } from "../../../../ingest/src/rtmp/server.js";
import { PublisherSlots } from "../../../../ingest/src/streams/publisher-slots.js";
import { writeFlvFile, type FlvFileSummary } from "./flv-file-writer.js";

export interface TestServer {
  server: RtmpServer;
  /** The hub's publisher slots (`publisherOf(stream)`). */
  slots: PublisherSlots;
  port: number;
  /** Every log line (JSON) the server wrote, at debug level and above. */
  logs: string[];
  publishes: RtmpPublish[];
  /** The FLV recording of each accepted publish, complete once the publish closed. */
  recordings: Map<RtmpPublish, Promise<FlvFileSummary>>;
  authenticated: string[];
  nextPublish(timeoutMs?: number): Promise<RtmpPublish>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** secret key -> public stream name */
  keys?: Record<string, string>;
  limits?: Partial<RtmpLimits>;
  /** The hub's takeover delay (registry takeoverMs); default 1000 as in the config. */
  takeoverMs?: number;
  onPublish?: (publish: RtmpPublish) => "accepted" | "busy";
  authenticate?: (key: string) => Promise<string | null>;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "rtmp-test-"));
  const logs: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logs.push(line) });
  const keys = options.keys ?? { "good-key-0123456789": "show" };
  const publishes: RtmpPublish[] = [];
  const recordings = new Map<RtmpPublish, Promise<FlvFileSummary>>();
  const authenticated: string[] = [];
  const publishWaiters: ((p: RtmpPublish) => void)[] = [];
  let seen = 0;
  const slots = new PublisherSlots(options.takeoverMs ?? 1_000, logger);

  const server = new RtmpServer({
    host: "127.0.0.1",
    port: 0,
    logger,
    limits: options.limits,
    authenticate:
      options.authenticate ??
      (async (key) => {
        authenticated.push(key);
        return keys[key] ?? null;
      }),
    onPublish: (publish, wanted) =>
      slots.claim(publish, wanted, () => {
        const verdict = options.onPublish ? options.onPublish(publish) : "accepted";
        if (verdict === "accepted") {
          publishes.push(publish);
          recordings.set(publish, writeFlvFile(publish, join(dir, `${publishes.length}-${publish.stream}.flv`)));
          publishWaiters.shift()?.(publish);
        }
        return verdict;
      }),
  });
  const port = await server.start();

  return {
    server,
    slots,
    port,
    logs,
    publishes,
    recordings,
    authenticated,
    nextPublish(timeoutMs = 10_000) {
      const index = seen++;
      if (publishes[index]) return Promise.resolve(publishes[index]);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("no publish arrived")), timeoutMs);
        publishWaiters.push((p) => {
          clearTimeout(t);
          resolve(p);
        });
      });
    },
    async close() {
      await server.close(1_000);
      await Promise.allSettled(recordings.values());
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
