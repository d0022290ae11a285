import { isIPv6 } from "node:net";
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import type { Config } from "../config.js";

interface PublicUrls {
  /** What OBS calls "Server": rtmp://<host>:<port>/<app>. */
  rtmpServer: string;
  /** Base of the public HTTP side, ending in "/live/" (also the preview page). */
  liveBase: string;
}

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/**
 * The URLs to print for performers and admins. With --public-url they use its host name (the ingest
 * sits behind the forum's proxy); otherwise each server's listen address (--host for RTMP, --http-host
 * for HTTP), or this machine's first external IPv4 address when it listens on all interfaces.
 */
export function publicUrls(config: Config, interfaces: Interfaces = networkInterfaces()): PublicUrls {
  if (config.publicUrl) {
    const url = new URL(config.publicUrl);
    const base = url.href.replace(/\/+$/, "");
    return { rtmpServer: `rtmp://${url.hostname}:${config.rtmpPort}/${config.app}`, liveBase: `${base}/live/` };
  }
  const rtmpHost = urlHost(reachableHost(config.host, interfaces));
  const httpHost = urlHost(reachableHost(config.httpHost, interfaces));
  return {
    rtmpServer: `rtmp://${rtmpHost}:${config.rtmpPort}/${config.app}`,
    liveBase: `http://${httpHost}:${config.httpPort}/live/`,
  };
}

function watchUrl(urls: PublicUrls, stream: string): string {
  return `${urls.liveBase}${stream}/index.m3u8`;
}

function reachableHost(host: string, interfaces: Interfaces): string {
  if (host !== "0.0.0.0" && host !== "::") return host;
  for (const list of Object.values(interfaces)) {
    const external = list?.find((i) => i.family === "IPv4" && !i.internal);
    if (external) return external.address;
  }
  return "localhost";
}

function urlHost(host: string): string {
  return isIPv6(host) ? `[${host}]` : host;
}

/** The lines a performer copies into OBS, plus where to watch. */
export function obsInstructions(urls: PublicUrls, stream: string, key: string): string[] {
  return [
    `OBS → Settings → Stream: Service Custom, Server ${urls.rtmpServer}, Stream Key ${key}`,
    `  Server:     ${urls.rtmpServer}`,
    `  Stream Key: ${key}`,
    `Watch:   ${watchUrl(urls, stream)}`,
    `Preview: ${urls.liveBase}`,
  ];
}
