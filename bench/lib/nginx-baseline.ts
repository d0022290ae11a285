import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerCleanup, spawnTracked, type TrackedChild } from "./child-processes.js";
import { freePort, waitForHttp, waitForTcp } from "./net-wait.js";

const MODULE_CANDIDATES = ["/usr/lib/nginx/modules/ngx_rtmp_module.so", "/usr/share/nginx/modules/ngx_rtmp_module.so"];

/** What the forum ran before: nginx + RTMP module, HLS on with the community's settings. */
export class NginxRtmpBaseline {
  readonly dir = mkdtempSync(join(tmpdir(), "bench-nginx-"));
  rtmpPort = 0;
  httpPort = 0;
  private child: TrackedChild | undefined;
  private readonly unregister = registerCleanup(() => this.close());

  constructor(readonly streams: string[]) {}

  get pids(): number[] {
    if (!this.child) throw new Error("nginx not started");
    return [this.child.pid];
  }

  /** Base URL the player gets (`${base}/${stream}/index.m3u8`). */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.httpPort}/live`;
  }

  publishUrl(stream: string): string {
    // nginx-rtmp has no keys: the stream name in the URL is the "key" and becomes the playlist name.
    return `rtmp://127.0.0.1:${this.rtmpPort}/live/${stream}`;
  }

  async start(): Promise<void> {
    const module = MODULE_CANDIDATES.find((p) => existsSync(p));
    if (!module)
      throw new Error(`ngx_rtmp_module.so not found (apt-get install libnginx-mod-rtmp); looked in ${MODULE_CANDIDATES.join(", ")}`);
    this.rtmpPort = await freePort();
    this.httpPort = await freePort();
    const d = this.dir;
    for (const sub of ["hls", "status", "temp"]) mkdirSync(join(d, sub), { recursive: true });
    for (const s of this.streams) {
      writeFileSync(
        join(d, "status", `${s}.json`),
        JSON.stringify({ name: s, state: "live", live: true, viewers: 0, playlist: "index.m3u8" }),
      );
    }
    const statusLocations = this.streams
      .map((s) => `    location = /live/${s}/status.json { alias ${d}/status/${s}.json; default_type application/json; }`)
      .join("\n");
    const conf = `load_module ${module};
pid ${d}/nginx.pid;
error_log ${d}/error.log warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path ${d}/temp/body;
  proxy_temp_path ${d}/temp/proxy;
  fastcgi_temp_path ${d}/temp/fastcgi;
  uwsgi_temp_path ${d}/temp/uwsgi;
  scgi_temp_path ${d}/temp/scgi;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; application/json json; }
  server {
    listen 127.0.0.1:${this.httpPort};
    add_header Access-Control-Allow-Origin * always;
    add_header Cache-Control no-cache always;
${statusLocations}
    # Our player also POSTs a viewer heartbeat, which nginx-rtmp never had: accept and ignore it.
    location ~ ^/live/[^/]+/viewers$ {
      add_header Access-Control-Allow-Origin * always;
      add_header Access-Control-Allow-Methods "POST, OPTIONS" always;
      add_header Access-Control-Allow-Headers "content-type" always;
      return 204;
    }
    location /live/ { alias ${d}/hls/; }
  }
}
rtmp {
  server {
    listen 127.0.0.1:${this.rtmpPort};
    application live {
      live on;
      hls on;
      hls_path ${d}/hls;
      hls_nested on;
      hls_fragment 3;
      hls_playlist_length 60;
    }
  }
}
`;
    writeFileSync(join(d, "nginx.conf"), conf);
    this.child = spawnTracked("nginx", "nginx", [
      "-p",
      d,
      "-c",
      join(d, "nginx.conf"),
      "-e",
      join(d, "error.log"),
      "-g",
      "daemon off; master_process off;",
    ]);
    await Promise.race([
      Promise.all([waitForTcp(this.rtmpPort, 10_000), waitForTcp(this.httpPort, 10_000)]),
      this.child.exited.then((code) => {
        throw new Error(`nginx exited (${code}) at start: ${this.child?.tail()}`);
      }),
    ]);
  }

  /** Resolves once nginx has written a playlist with at least `segments` segments for the stream. */
  waitForPlaylist(stream: string, segments: number, timeoutMs: number): Promise<string> {
    return waitForHttp(`${this.baseUrl}/${stream}/index.m3u8`, timeoutMs, (body) => (body.match(/#EXTINF/g) ?? []).length >= segments);
  }

  async close(): Promise<void> {
    this.unregister();
    await this.child?.stop(5000);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
