import { NginxRtmpBaseline } from "./nginx-baseline.js";
import { OurIngest } from "./our-ingest.js";

export const SYSTEMS = ["ours", "nginx"] as const;
export type SystemName = (typeof SYSTEMS)[number];

/** What every benchmark needs from a server under test, ours or the nginx-rtmp baseline. */
export interface SystemUnderTest {
  readonly pid: number;
  readonly baseUrl: string;
  /** Prometheus text endpoint, when the system has one (ours). */
  readonly metricsUrl?: string;
  publishUrl(stream: string): string;
  start(): Promise<void>;
  waitForPlaylist(stream: string, segments: number, timeoutMs: number): Promise<string>;
  close(): Promise<void>;
}

/** `nodeArgs`: extra node options for our ingest (e.g. --cpu-prof); nginx-rtmp ignores them. */
export function createSystem(name: SystemName, streams: string[], partMs?: number, nodeArgs: string[] = []): SystemUnderTest {
  return name === "ours" ? new OurIngest({ streams, partMs, nodeArgs }) : new NginxRtmpBaseline(streams);
}

export const SYSTEM_LABEL: Record<SystemName, string> = { ours: "ours (LL-HLS)", nginx: "nginx-rtmp (HLS)" };
