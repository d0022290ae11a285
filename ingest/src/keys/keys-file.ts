import { readFile } from "node:fs/promises";
import { z } from "zod";
import { ACCESS_MODE_RULE, parseAccessMode } from "../access/access-mode.js";
import { writeFileAtomic } from "../disk/atomic-file.js";
import { parseRenditionList, RENDITION_LIST_RULE } from "../transcode/rendition-ladder.js";
import { STREAM_NAME_PATTERN, STREAM_NAME_RULE } from "./stream-name.js";

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, { error: "expected base64url" });

// Bounded so a tampered file cannot make scrypt allocate gigabytes.
const scryptParams = z.strictObject({
  N: z
    .number()
    .int()
    .min(1024)
    .max(1048576)
    .refine((n) => (n & (n - 1)) === 0, { error: "expected a power of 2" }),
  r: z.number().int().min(1).max(32),
  p: z.number().int().min(1).max(16),
  keylen: z.number().int().min(16).max(64),
});

const entry = z.strictObject({
  fingerprint: z.string().regex(/^[0-9a-f]{8}$/, { error: "expected 8 hex digits" }),
  salt: base64url,
  hash: base64url,
  scrypt: scryptParams,
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Who may watch (`keys access`); absent = public. */
  access: z
    .string()
    .refine((s) => parseAccessMode(s) !== undefined, { error: `expected ${ACCESS_MODE_RULE}` })
    .optional(),
  /** Transcoded renditions (`keys renditions`, e.g. "480p,360p" or "none"); absent = the ingest's --renditions. */
  renditions: z
    .string()
    .refine((s) => parseRenditionList(s) !== undefined, { error: `expected ${RENDITION_LIST_RULE}` })
    .optional(),
});

const keysFileSchema = z.strictObject({
  version: z.literal(1),
  streams: z.record(z.string().regex(STREAM_NAME_PATTERN, { error: `stream names are ${STREAM_NAME_RULE}` }), entry),
});

export type KeysFileContent = z.infer<typeof keysFileSchema>;
export type KeyEntry = z.infer<typeof entry>;

export class KeysFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`keys file ${file}: ${reason}`);
    this.name = "KeysFileError";
  }
}

export function emptyKeysFile(): KeysFileContent {
  return { version: 1, streams: Object.create(null) as KeysFileContent["streams"] };
}

/** Reads and validates the keys file; undefined when it does not exist. Throws KeysFileError naming what is wrong. */
export async function readKeysFile(file: string): Promise<KeysFileContent | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw new KeysFileError(file, `cannot be read (${code ?? String(error)})`);
  }
  return parseKeysFile(file, text);
}

function parseKeysFile(file: string, text: string): KeysFileContent {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new KeysFileError(file, `is not valid JSON (${(error as Error).message})`);
  }
  // zod's record skips a "__proto__" key silently; it is no stream name, so the file is refused like any other.
  const streams = (json as { streams?: unknown } | null)?.streams;
  if (typeof streams === "object" && streams !== null && Object.hasOwn(streams, "__proto__")) {
    throw new KeysFileError(file, `unexpected content at streams.__proto__: stream names are ${STREAM_NAME_RULE}`);
  }
  const parsed = keysFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? issue.path.join(".") : "top level";
    throw new KeysFileError(file, `unexpected content at ${where}: ${issue.message}`);
  }
  // Stream names are ordinary keys: without a prototype, `constructor` or `toString` is no stream until added.
  return { ...parsed.data, streams: Object.assign(Object.create(null) as KeysFileContent["streams"], parsed.data.streams) };
}

/** Replaces the file atomically (temp file in the same folder, fsync, rename), readable by the owner only. */
export async function writeKeysFile(file: string, content: KeysFileContent): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(content, null, 2)}\n`, 0o600);
}
