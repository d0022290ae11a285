import { NginxRtmpBaseline } from "./nginx-baseline.js";
import { OurIngest } from "./our-ingest.js";
import { VarnishFrontedIngest } from "./varnish-fronted-ingest.js";

/**
 * ours: the ingest serving viewers itself; before: the same from an older commit (--before <rev>, measured in
 * the same run); varnish: ours behind the shipped Varnish VCL; nginx: the baseline.
 */
export const SYSTEMS = ["ours", "before", "varnish", "nginx"] as const;
export type SystemName = (typeof SYSTEMS)[number];

/** What every benchmark needs from a server under test, ours or the nginx-rtmp baseline. */
export interface SystemUnderTest {
  /** Root processes whose trees are measured (the server and its children). */
  readonly pids: number[];
  readonly baseUrl: string;
  /** Prometheus text endpoint, when the system has one (ours). */
  readonly metricsUrl?: string;
  /** Cookie header viewers send (ours, members-only runs). */
  readonly sessionCookie?: string | undefined;
  publishUrl(stream: string): string;
  start(): Promise<void>;
  waitForPlaylist(stream: string, segments: number, timeoutMs: number): Promise<string>;
  close(): Promise<void>;
}

export interface SystemOptions {
  streams: string[];
  /** our ingest's --part-ms (undefined: its default) */
  partMs?: number | undefined;
  /** extra node options for our ingest (e.g. --cpu-prof); nginx-rtmp ignores them */
  nodeArgs?: string[];
  /** every stream members-only (ours) */
  membersOnly?: boolean;
  /** further CLI flags for our ingest (e.g. --renditions) */
  flags?: string[];
  /** the checkout "before" runs (bench/lib/before-checkout.ts) */
  beforeCheckout?: string | undefined;
}

export function createSystem(name: SystemName, o: SystemOptions): SystemUnderTest {
  if (name === "nginx") return new NginxRtmpBaseline(o.streams);
  if (name === "before" && !o.beforeCheckout) throw new Error("--systems before needs --before <git revision>");
  const ingest = new OurIngest({
    streams: o.streams,
    partMs: o.partMs,
    nodeArgs: o.nodeArgs ?? [],
    membersOnly: o.membersOnly ?? false,
    ...(o.flags ? { flags: o.flags } : {}),
    ...(name === "before" ? { checkout: o.beforeCheckout } : {}),
  });
  return name === "varnish" ? new VarnishFrontedIngest(ingest) : ingest;
}

export const SYSTEM_LABEL: Record<SystemName, string> = {
  ours: "ours (LL-HLS)",
  before: "ours before (--before)",
  varnish: "ours + Varnish (LL-HLS)",
  nginx: "nginx-rtmp (HLS)",
};
