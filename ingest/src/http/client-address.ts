// The viewer's address for per-address limits. Behind a reverse proxy or cache every request comes from
// the proxy, so the address the proxy saw is taken from X-Forwarded-For, but only when the request comes
// from a trusted proxy: anyone else could write any address there.
import { BlockList, isIP } from "node:net";
import type { IncomingMessage } from "node:http";
import { addressKey } from "../net/address-key.js";

/** Trusted proxies from a list of addresses and CIDR blocks (`127.0.0.1,::1,10.0.0.0/8`); throws on a bad entry. */
/** A proxy on the same host (Traefik, nginx, Varnish next to the ingest). */
export const LOOPBACK_PROXIES: readonly string[] = ["127.0.0.1", "::1"];

export function trustedProxies(list: readonly string[]): BlockList {
  const blocks = new BlockList();
  for (const entry of list) {
    const [address = "", prefix] = entry.split("/");
    const family = isIP(address);
    if (family === 0) throw new Error(`not an IP address or CIDR block: ${JSON.stringify(entry)}`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) blocks.addAddress(address, type);
    else {
      const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
      if (!(bits <= (family === 4 ? 32 : 128))) throw new Error(`bad prefix length in ${JSON.stringify(entry)}`);
      blocks.addSubnet(address, bits, type);
    }
  }
  return blocks;
}

function isTrusted(trusted: BlockList, address: string): boolean {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4) return trusted.check(v4[1]!, "ipv4");
  const family = isIP(address);
  return family !== 0 && trusted.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * addressKey() of the client: the socket's peer, or, while the hop before is a trusted proxy, the
 * address that proxy appended to X-Forwarded-For (right to left: the left part is the client's to write).
 */
export function clientAddress(req: IncomingMessage, trusted: BlockList): string {
  let address = req.socket.remoteAddress ?? "";
  const header = req.headers["x-forwarded-for"];
  if (header !== undefined && isTrusted(trusted, address)) {
    const hops = (Array.isArray(header) ? header.join(",") : header).split(",").map((h) => h.trim());
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = hops[i]!;
      if (isIP(hop) === 0) break;
      address = hop;
      if (!isTrusted(trusted, hop)) break;
    }
  }
  return addressKey(address);
}
