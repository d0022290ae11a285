// File names of the packager's resources as they appear in playlist URIs (relative, so the
// playlist works behind any proxy prefix). Parsing is strict so the HTTP layer can map a request
// name to a resource without ever building a file path from it.

export type ResourceName = { kind: "init"; id: number } | { kind: "segment"; msn: number } | { kind: "part"; msn: number; part: number };

export const initName = (id: number): string => `init-${id}.mp4`;
export const segmentName = (msn: number): string => `seg-${msn}.m4s`;
export const partName = (msn: number, part: number): string => `part-${msn}-${part}.m4s`;

/** Canonical decimal (no sign, no leading zeros), at most 15 digits: always a safe integer. */
const NUM = "(0|[1-9][0-9]{0,14})";
const INIT = new RegExp(`^init-${NUM}\\.mp4$`);
const SEGMENT = new RegExp(`^seg-${NUM}\\.m4s$`);
const PART = new RegExp(`^part-${NUM}-${NUM}\\.m4s$`);

/** Parses a resource file name; null for anything that is not exactly one of the three forms. */
export function parseResourceName(name: string): ResourceName | null {
  if (name.length > 40) return null;
  let m = INIT.exec(name);
  if (m) return { kind: "init", id: Number(m[1]) };
  m = SEGMENT.exec(name);
  if (m) return { kind: "segment", msn: Number(m[1]) };
  m = PART.exec(name);
  if (m) return { kind: "part", msn: Number(m[1]), part: Number(m[2]) };
  return null;
}
