// The shipped caches (Varnish VCL, nginx proxy_cache) in front of the real ingest with a members-only
// stream: no object of it ever reaches a request without a valid session, whatever members fetched
// before, while a public stream stays cached for signed-in members too.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseAccessMode } from "../../ingest/src/access/access-mode.js";
import { sessionKey, signSession } from "../../ingest/src/access/session-cookie.js";
import { KeyStore } from "../../ingest/src/keys/index.js";
import { killPublishers, parsePlaylist, publish, startTestIngest, until, type Publisher, type TestIngest } from "../ingest/e2e/support.js";
import { get, type Reply } from "../ingest/http/http-client.js";
import { describeWithNginx, Nginx } from "./support/nginx.js";
import { freePort, renderShipped } from "./support/shipped.js";
import { describeWithVarnish, Varnish } from "./support/varnish.js";

const SECRET = "cache-test-connect-secret-42";
const FORUM = "http://127.0.0.1:9";

let t: TestIngest;
let publisher: Publisher;
let secretDir: string;
let member: string;

async function startTestIngestWithSignIn(): Promise<TestIngest> {
  secretDir = await mkdtemp(path.join(tmpdir(), "cache-secret-"));
  const secretFile = path.join(secretDir, "secret");
  await writeFile(secretFile, SECRET);
  await chmod(secretFile, 0o600);
  const port = await freePort();
  return startTestIngest([
    "--http-port",
    String(port),
    "--public-url",
    `http://127.0.0.1:${port}`,
    "--discourse-url",
    FORUM,
    "--discourse-connect-secret-file",
    secretFile,
    "--allow-origin",
    FORUM,
  ]);
}

async function setAccess(mode: string): Promise<void> {
  await new KeyStore({ file: path.join(t.dir, "keys.json") }).setAccess(t.stream, parseAccessMode(mode)!);
  const kind = mode.split(":")[0];
  await until(`access ${kind}`, async () => JSON.parse((await t.get(`/live/${t.stream}/status.json`)).text).access === kind, 10_000, 100);
}

/** A playlist, init, part and segment that exist now. */
async function mediaPaths(): Promise<string[]> {
  const p = parsePlaylist(t.ingest.registry.get(t.stream)!.playlist({})!).manifest;
  const segment = p.segments.at(-1)!;
  const base = `/live/${t.stream}/`;
  return [`${base}index.m3u8`, `${base}${segment.map!.uri}`, `${base}${segment.parts![0]!.uri}`, `${base}${segment.uri}`];
}

beforeAll(async () => {
  t = await startTestIngestWithSignIn();
  member = signSession({ externalId: "1", username: "ana", groups: ["patrons"] }, Math.floor(Date.now() / 1000), 3600, sessionKey(SECRET));
  publisher = publish(t.rtmpUrl(), 120, { videoBitrate: "400k" });
  await until(
    "two complete segments",
    () => {
      const text = t.ingest.registry.get(t.stream)?.playlist({});
      return typeof text === "string" && parsePlaylist(text).manifest.segments.length >= 2;
    },
    45_000,
    200,
  );
}, 90_000);

afterAll(async () => {
  killPublishers();
  await publisher?.kill();
  await t?.close();
  if (secretDir) await rm(secretDir, { recursive: true, force: true });
});

function checks(start: (originPort: number) => Promise<{ url: string; stop(): Promise<void> }>) {
  let cache: { url: string; stop(): Promise<void> };
  const fetch = (pathname: string, cookie?: string): Promise<Reply> =>
    get(`${cache.url}${pathname}`, cookie ? { headers: { Cookie: cookie } } : {});

  beforeAll(async () => {
    cache = await start(t.ingest.httpPort);
  });
  afterAll(async () => {
    await cache?.stop();
    await setAccess("public");
  });

  it("members-only: objects members fetched never reach a request without a valid session", async () => {
    await setAccess("members");
    const paths = await mediaPaths();
    for (const pathname of paths) {
      // Members first (twice: a second request must not be a cache hit either), then strangers.
      for (let i = 0; i < 2; i++) {
        const ok = await fetch(pathname, `_forum_session=abc; live_session=${member}`);
        expect(ok.status, pathname).toBe(200);
        expect(ok.headers["cache-control"], pathname).toMatch(/^private/);
      }
      for (const cookie of [undefined, "_t=forum-session", "live_session=forged.value", `live_session=${member.slice(0, -2)}xx`]) {
        const denied = await fetch(pathname, cookie);
        expect(denied.status, `${pathname} with ${cookie}`).toBe(401);
        expect(JSON.parse(denied.text).login).toMatch(/\/live\/auth\/login$/);
      }
    }
    // A member right after a stranger's 401 still gets the media.
    expect((await fetch(paths[3]!, `live_session=${member}`)).status).toBe(200);
  });

  // After the members-only check: an object a cache stored while its stream was public (the init segment
  // here) stays cached when the stream becomes members-only (README: make a show members-only before it starts).
  it("a public stream stays cached for viewers with a session cookie", async () => {
    await setAccess("public");
    const [, init] = await mediaPaths();
    await fetch(init!, `live_session=${member}`);
    const again = await fetch(init!, `_t=forum; live_session=${member}`);
    expect(again.status).toBe(200);
    expect(again.headers["x-cache-status"]).toBe("HIT");
  });
}

describeWithVarnish("Varnish (ingest/deploy/varnish/live-shows.vcl) in front of a members-only stream", () =>
  checks(async (originPort) => {
    const varnish = await Varnish.create();
    const port = await freePort();
    await varnish.start(await renderShipped("varnish/live-shows.vcl", [['.port = "8080";', `.port = "${originPort}";`]]), port);
    return { url: `http://127.0.0.1:${port}`, stop: () => varnish.stop() };
  }),
);

describeWithNginx("nginx proxy_cache (ingest/deploy/nginx/live-shows-cache.conf) in front of a members-only stream", () =>
  checks(async (originPort) => {
    const nginx = await Nginx.create();
    const port = await freePort();
    const site = await renderShipped("nginx/live-shows-cache.conf", [
      ["proxy_cache_path /var/cache/nginx/live-shows", `proxy_cache_path ${nginx.dir}/cache`],
      ["listen 443 ssl http2;", `listen 127.0.0.1:${port};`],
      ["listen [::]:443 ssl http2;", ""],
      ["ssl_certificate /etc/letsencrypt/live/cache.example.org/fullchain.pem;", ""],
      ["ssl_certificate_key /etc/letsencrypt/live/cache.example.org/privkey.pem;", ""],
      ["server 127.0.0.1:8080;", `server 127.0.0.1:${originPort};`],
    ]);
    await nginx.start({ site, ports: [port] });
    return { url: `http://127.0.0.1:${port}`, stop: () => nginx.stop() };
  }),
);
