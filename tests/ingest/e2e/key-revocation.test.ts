import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyStore } from "../../../ingest/src/keys/index.js";
import { killPublishers, publish, startTestIngest, until, type TestIngest } from "./support.js";

// The reason to revoke a key is that it leaked and is in use: a running publish with it must end.
let t: TestIngest;

beforeEach(async () => {
  t = await startTestIngest();
});

afterEach(async () => {
  killPublishers();
  await t.close();
});

const keysFile = () => path.join(t.dir, "keys.json");

async function liveWith(key: string) {
  const publisher = publish(t.rtmpUrl(key), 60);
  await until("the stream to be live", () => t.ingest.registry.get(t.stream)?.status().state === "live", 30_000);
  return publisher;
}

describe("revoking or replacing a key ends its running publish", () => {
  it("keys revoke: the publish ends within seconds and the key is refused", async () => {
    const publisher = await liveWith(t.key);
    const revokedAt = performance.now();
    expect(await new KeyStore({ file: keysFile() }).revoke(t.stream)).toBe(true);
    await publisher.exited;
    const endedAfterMs = performance.now() - revokedAt;
    expect(endedAfterMs).toBeLessThan(5_000);
    expect(t.ingest.registry.get(t.stream)?.status().state).not.toBe("live");
    expect(t.logs.some((l) => l.includes('"msg":"key revoked or replaced: ending its publish"') && l.includes('"stream":"show"'))).toBe(
      true,
    );
    const again = publish(t.rtmpUrl(t.key), 5);
    expect((await again.exited).code).not.toBe(0);
  }, 60_000);

  it("keys add (a new key): the publish with the old key ends, the new key publishes", async () => {
    const publisher = await liveWith(t.key);
    const replacedAt = performance.now();
    const added = await new KeyStore({ file: keysFile() }).add(t.stream);
    expect(added.replaced).toBe(true);
    await publisher.exited;
    expect(performance.now() - replacedAt).toBeLessThan(5_000);
    const next = await liveWith(added.key);
    // The new key's publish is not ended by the watch.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(next.child.exitCode).toBeNull();
    expect(t.ingest.registry.get(t.stream)?.status().state).toBe("live");
  }, 90_000);
});
