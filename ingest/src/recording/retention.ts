// Which recordings to delete. Pure. Age first (every ended recording older than maxAge), then size:
// oldest first until the total fits. The recording in progress is never chosen.

export interface RetentionPolicy {
  /** Ended recordings older than this (by their end) are deleted; 0 = no age limit. */
  maxAgeMs: number;
  /** Total bytes of all recordings; 0 = no size limit. */
  maxBytes: number;
}

export interface RetentionCandidate {
  stream: string;
  id: string;
  /** Epoch ms. */
  startedAt: number;
  /** Epoch ms, null while recording. */
  endedAt: number | null;
  bytes: number;
}

export function selectForDeletion<T extends RetentionCandidate>(recordings: readonly T[], policy: RetentionPolicy, now: number): T[] {
  const chosen = new Set<T>();
  if (policy.maxAgeMs > 0) {
    for (const r of recordings) {
      if (r.endedAt !== null && now - r.endedAt > policy.maxAgeMs) chosen.add(r);
    }
  }
  if (policy.maxBytes > 0) {
    let total = recordings.reduce((sum, r) => (chosen.has(r) ? sum : sum + r.bytes), 0);
    const oldestFirst = recordings.filter((r) => r.endedAt !== null && !chosen.has(r)).sort((a, b) => a.startedAt - b.startedAt);
    for (const r of oldestFirst) {
      if (total <= policy.maxBytes) break;
      chosen.add(r);
      total -= r.bytes;
    }
  }
  return recordings.filter((r) => chosen.has(r)).sort((a, b) => a.startedAt - b.startedAt);
}
