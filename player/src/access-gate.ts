// Members-only streams: before loading one, the player asks for its playlist with the viewer's cookies.
// The ingest answers 401 (not signed in: the body names its login URL), 403 (signed in, not in the
// stream's groups: the body names them with their forum pages) or the playlist.

export type StreamAccess = "public" | "members" | "groups";

export type AccessOutcome =
  | { kind: "allowed" }
  | { kind: "login"; loginUrl: string }
  | { kind: "forbidden"; groups: Array<{ name: string; url: string }> }
  | { kind: "unknown" };

/** What a 401 or 403 body says; anything unexpected is "unknown" (the player then just tries to play). */
export function parseDenial(status: number, body: unknown): AccessOutcome {
  if (typeof body !== "object" || body === null) return { kind: "unknown" };
  const record = body as Record<string, unknown>;
  if (status === 401 && typeof record.login === "string" && /^https?:\/\//.test(record.login)) {
    return { kind: "login", loginUrl: record.login };
  }
  if (status === 403 && Array.isArray(record.groups)) {
    const groups = record.groups.filter(
      (g): g is { name: string; url: string } =>
        typeof g === "object" && g !== null && typeof g.name === "string" && typeof g.url === "string" && /^https?:\/\//.test(g.url),
    );
    return { kind: "forbidden", groups };
  }
  return { kind: "unknown" };
}

/** One credentialed playlist request; rejects only when `signal` aborts it. */
export async function probeAccess(playlistUrl: string, signal: AbortSignal): Promise<AccessOutcome> {
  try {
    const response = await fetch(playlistUrl, { credentials: "include", signal });
    if (response.status !== 401 && response.status !== 403) {
      // The playlist itself is not needed here: VHS fetches it again.
      void response.body?.cancel();
      return response.ok ? { kind: "allowed" } : { kind: "unknown" };
    }
    return parseDenial(response.status, await response.json().catch(() => null));
  } catch (error) {
    if (signal.aborted) throw error;
    return { kind: "unknown" };
  }
}

/** The login URL that brings the viewer back to `returnTo` (the topic) after signing in. */
export function loginHref(loginUrl: string, returnTo: string): string {
  const url = new URL(loginUrl);
  url.searchParams.set("return", returnTo);
  return url.href;
}
