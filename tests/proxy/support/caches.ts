// The shipped caches, started in front of an origin port: the nginx cache site and the Varnish VCL, rendered
// from ingest/deploy with only ports, paths and certificates replaced.
import { Nginx } from "./nginx.js";
import { freePort, renderShipped } from "./shipped.js";
import { selfSignedCertificate } from "./tls.js";
import { Varnish } from "./varnish.js";

export interface RunningCache {
  url: string;
  stop(): Promise<void>;
}

export async function startNginxCache(originPort: number): Promise<RunningCache> {
  const nginx = await Nginx.create();
  const port = await freePort();
  const tls = await selfSignedCertificate(nginx.dir);
  // Plain HTTP on loopback: TLS through nginx is covered by the reverse-proxy test, here it would only cost CPU.
  const site = await renderShipped("nginx/live-shows-cache.conf", [
    ["proxy_cache_path /var/cache/nginx/live-shows", `proxy_cache_path ${nginx.dir}/cache`],
    ["listen 443 ssl http2;", `listen 127.0.0.1:${port};`],
    ["listen [::]:443 ssl http2;", ""],
    ["/etc/letsencrypt/live/cache.example.org/fullchain.pem", tls.certFile],
    ["/etc/letsencrypt/live/cache.example.org/privkey.pem", tls.keyFile],
    ["server 127.0.0.1:8080;", `server 127.0.0.1:${originPort};`],
  ]);
  await nginx.start({ site, ports: [port] });
  return { url: `http://127.0.0.1:${port}`, stop: () => nginx.stop() };
}

export async function startVarnishCache(originPort: number): Promise<RunningCache> {
  const varnish = await Varnish.create();
  const port = await freePort();
  const vcl = await renderShipped("varnish/live-shows.vcl", [['.port = "8080";', `.port = "${originPort}";`]]);
  await varnish.start(vcl, port);
  return { url: `http://127.0.0.1:${port}`, stop: () => varnish.stop() };
}
