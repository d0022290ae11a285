import { NginxRtmpBaseline } from "./nginx-baseline.js";
import { OurIngest } from "./our-ingest.js";
import { VarnishFrontedIngest } from "./varnish-fronted-ingest.js";

/** ours: the ingest serving viewers itself; varnish: the same behind the shipped Varnish VCL; nginx: the baseline. */
export const SYSTEMS = ["ours", "varnish", "nginx"] as const;
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

/** `nodeArgs`: extra node options for our ingest (e.g. --cpu-prof); nginx-rtmp ignores them. */
export function createSystem(
  name: SystemName,
  streams: string[],
  partMs?: number,
  nodeArgs: string[] = [],
  membersOnly = false,
): SystemUnderTest {
  if (name === "nginx") return new NginxRtmpBaseline(streams);
  const ingest = new OurIngest({ streams, partMs, nodeArgs, membersOnly });
  return name === "ours" ? ingest : new VarnishFrontedIngest(ingest);
}

export const SYSTEM_LABEL: Record<SystemName, string> = {
  ours: "ours (LL-HLS)",
  varnish: "ours + Varnish (LL-HLS)",
  nginx: "nginx-rtmp (HLS)",
};
