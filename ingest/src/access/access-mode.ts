/** Who may watch a stream: anyone, any signed-in forum member, or members of any of these forum groups. */
export type AccessMode = { kind: "public" } | { kind: "members" } | { kind: "groups"; groups: string[] };

export const PUBLIC: AccessMode = { kind: "public" };

// Discourse group names: letters, digits, '_', '-', '.' (compared case-insensitively, as Discourse does).
const groupName = /^[a-z0-9_.-]{1,60}$/i;

export const ACCESS_MODE_RULE = "public, members or groups:<group>[,<group>...] (forum group names)";

/** Parses `public`, `members` or `groups:a,b`; undefined for anything else. */
export function parseAccessMode(text: string): AccessMode | undefined {
  if (text === "public") return PUBLIC;
  if (text === "members") return { kind: "members" };
  if (!text.startsWith("groups:")) return undefined;
  const names = text.slice("groups:".length).split(",");
  if (names.length === 0 || names.some((n) => !groupName.test(n))) return undefined;
  return { kind: "groups", groups: [...new Set(names.map((n) => n.toLowerCase()))] };
}

export function formatAccessMode(mode: AccessMode): string {
  return mode.kind === "groups" ? `groups:${mode.groups.join(",")}` : mode.kind;
}

export function isProtected(mode: AccessMode): boolean {
  return mode.kind !== "public";
}

/** allow; login: no (valid) session; forbidden: signed in but in none of the groups. */
export type AccessDecision = "allow" | "login" | "forbidden";

export function decideAccess(mode: AccessMode, user: { readonly groups: readonly string[] } | undefined): AccessDecision {
  if (mode.kind === "public") return "allow";
  if (!user) return "login";
  if (mode.kind === "members") return "allow";
  return mode.groups.some((g) => user.groups.includes(g)) ? "allow" : "forbidden";
}
