import { isIP } from "node:net";
import path from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { LOOPBACK_PROXIES } from "./http/client-address.js";
import { STREAM_NAME_PATTERN, STREAM_NAME_RULE } from "./keys/stream-name.js";
import { defaultRtmpLimits } from "./rtmp/limits.js";
import { parseRenditionList, RENDITION_LIST_RULE } from "./transcode/rendition-ladder.js";

// Every option arrives as a string (flag or environment variable); the schema validates and converts it.
// Flag and environment names are derived from the key: rtmpPort -> --rtmp-port / LIVE_RTMP_PORT.

const integer = (min: number, max: number) =>
  z
    .string()
    .refine((s) => /^\d+$/.test(s) && Number(s) >= min && Number(s) <= max, {
      error: `expected an integer from ${min} to ${max}`,
    })
    .transform(Number);

const hostname = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

const host = z.string().refine((s) => isIP(s) !== 0 || hostname.test(s), {
  error: "expected an IP address or a host name",
});

const origin = z.string().refine((s) => s === "*" || isOrigin(s), {
  error: 'expected "*" or an origin such as https://forum.example.org',
});

const publicUrl = z.string().refine(isHttpBaseUrl, {
  error: "expected an http(s) URL without query, e.g. https://forum.example.org",
});

// The application is one path segment of the OBS server URL, like a stream name: the same rule.
const appName = z.string().refine((s) => STREAM_NAME_PATTERN.test(s), { error: `expected ${STREAM_NAME_RULE}` });

const logLevels = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
const logLevel = z.enum(logLevels, { error: `expected one of ${logLevels.join(", ")}` });

const logFormats = ["auto", "pretty", "json"] as const;
const logFormat = z.enum(logFormats, { error: `expected one of ${logFormats.join(", ")}` });

// Kept as text ("none", "480p,360p"): the default shows as written; app.ts parses it with the same function.
const renditionList = z.string().refine((s) => parseRenditionList(s) !== undefined, { error: `expected ${RENDITION_LIST_RULE}` });

const nonEmptyPath = z.string().min(1, { error: "expected a path" });

const onOff = z.enum(["on", "off"], { error: 'expected "on" or "off"' });
const addressOrBlock = (entry: string): boolean => {
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
};

const addressList = z
  .string()
  .transform((s) =>
    s
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ""),
  )
  .refine((list) => list.every(addressOrBlock), {
    error: "expected IP addresses or CIDR blocks separated by commas, e.g. 127.0.0.1,::1,10.0.0.0/8",
  });

export const configSchema = z.object({
  rtmpPort: integer(0, 65535).default(1935).describe("RTMP port OBS publishes to"),
  httpPort: integer(0, 65535).default(8080).describe("HTTP port serving /live (playlists, parts, status)"),
  host: host.default("0.0.0.0").describe("address RTMP listens on, and HTTP unless --http-host is given"),
  // Optional in the schema, resolved in loadConfig: its default is whatever --host turned out to be.
  httpHost: host
    .optional()
    .describe("address HTTP (/live, /metrics, /healthz) listens on, e.g. 127.0.0.1 behind a local proxy (default: --host)"),
  dataDir: nonEmptyPath.default("./data").describe("folder for the keys file"),
  keys: nonEmptyPath.optional().describe("keys file (default: <data-dir>/keys.json)"),
  app: appName.default("live").describe("RTMP application name: OBS server rtmp://<host>/<app>"),
  allowOrigin: origin.default("*").describe("Access-Control-Allow-Origin for /live"),
  partMs: integer(100, 2000)
    .default(200)
    .describe("LL-HLS part duration in milliseconds (players stay PART-HOLD-BACK, 3 parts plus a frame each, behind live)"),
  windowSegments: integer(3, 60).default(6).describe("segments listed in the playlist"),
  graceS: integer(0, 3600).default(60).describe("seconds without a publisher before the playlist ends"),
  publicUrl: publicUrl
    .optional()
    .describe("public base URL of this host, used to print the OBS and watch URLs, and for the sign-in callback of members-only streams"),
  logLevel: logLevel.default("info").describe(`log level: ${logLevels.join(", ")}`),
  logFormat: logFormat
    .default("auto")
    .describe(
      "log lines: pretty (one coloured line per event, for people), json (one JSON object per line, for journald and log shippers), auto (pretty when stdout is a terminal, json otherwise)",
    ),
  // RTMP defaults live with the receiver (rtmp/limits.ts), which tests also run without a config.
  maxConnections: integer(1, 10000).default(defaultRtmpLimits.maxConnections).describe("simultaneous RTMP connections"),
  maxConnectionsPerAddress: integer(1, 10000)
    .default(defaultRtmpLimits.maxConnectionsPerAddress)
    .describe("simultaneous RTMP connections from one IPv4 address or IPv6 /64 (raise it when every performer comes through one relay)"),
  // RTMP timeouts, one per phase of a connection (the same names in rtmp/limits.ts), and the hub's takeover delay.
  handshakeTimeoutMs: integer(100, 60000)
    .default(defaultRtmpLimits.handshakeTimeoutMs)
    .describe("RTMP handshake must complete within this of connecting (ms)"),
  publishTimeoutMs: integer(1000, 600000)
    .default(defaultRtmpLimits.publishTimeoutMs)
    .describe("an RTMP connection must start publishing within this of connecting (ms)"),
  idleTimeoutMs: integer(1000, 600000)
    .default(defaultRtmpLimits.idleTimeoutMs)
    .describe("a publisher sending no audio or video for this long is dropped (ms)"),
  takeoverMs: integer(100, 60000)
    .default(1000)
    .describe("a publisher silent this long is replaced by a new publish of the same stream, e.g. OBS reconnecting (ms)"),
  maxMessageBytes: integer(4096, 16777215).default(defaultRtmpLimits.maxMessageBytes).describe("largest RTMP message accepted (bytes)"),
  // Members-only streams (access/): the forum is the DiscourseConnect provider. All three or none of
  // discourseUrl, discourseConnectSecretFile and publicUrl (the callback URL the forum redirects to).
  discourseUrl: publicUrl
    .optional()
    .describe(
      "the forum signing viewers in to members-only streams (DiscourseConnect provider), e.g. https://forum.example.org; needs --public-url",
    ),
  discourseConnectSecretFile: nonEmptyPath
    .optional()
    .describe("file (mode 0600) holding the secret of the forum's 'discourse connect provider secrets' line for this host"),
  sessionHours: integer(1, 168)
    .default(4)
    .describe("lifetime of a viewer's sign-in: how long a member removed on the forum can keep watching (hours)"),
  // Recording (recording/): every show is kept under <data-dir>/recordings. The defaults suit a small VPS
  // (20-80 GB disk): a 2.5 Mbit/s show takes about 1.1 GB per hour.
  recordings: onOff
    .default("on")
    .describe("record every show under <data-dir>/recordings (off: nothing new is recorded; existing recordings are still served)"),
  recordingsMaxAgeDays: integer(0, 36500).default(30).describe("delete a recording this many days after it ended (0: no age limit)"),
  recordingsMaxMb: integer(0, 1_000_000_000)
    .default(10240)
    .describe(
      "all recordings together stay under this many MiB, oldest deleted first; 10 GiB is about 9 hours at 2.5 Mbit/s (0: no size limit)",
    ),
  recordingsMinFreeMb: integer(0, 1_000_000_000)
    .default(1024)
    .describe("recording pauses (the live show goes on) while the disk holding the recordings has less than this many MiB free"),
  viewersPerAddress: integer(1, 10000)
    .default(100)
    .describe("viewers one IPv4 address or IPv6 /64 can add to a stream's count (a household or a venue behind one address)"),
  // Renditions (transcode/): lower-bitrate copies of each show for phones and weak links, made with ffmpeg.
  renditions: renditionList
    .default("none")
    .describe(
      "renditions transcoded next to the source for every stream without its own setting (keys renditions): none, or some of 720p,480p,360p,240p (never above the source's size or bitrate; needs ffmpeg)",
    ),
  maxTranscodes: integer(0, 64)
    .default(2)
    .describe("transcoders running at once across all streams (one per rendition; each takes most of a vCPU at 720p, see README)"),
  trustedProxies: addressList
    .default([...LOOPBACK_PROXIES])
    .describe("reverse proxies and caches whose X-Forwarded-For names the viewer's address (IPs or CIDR blocks, comma-separated)"),
});

type ParsedOptions = z.output<typeof configSchema>;
type OptionKey = keyof ParsedOptions;

export type Config = Omit<ParsedOptions, "keys" | "httpHost"> & { keys: string; httpHost: string };
export type LogLevel = Config["logLevel"];
export type LogFormat = Config["logFormat"];

export class ConfigError extends Error {
  constructor(
    message: string,
    /** The flag or environment variable at fault, e.g. "--rtmp-port" or "LIVE_RTMP_PORT". */
    readonly option?: string,
    readonly value?: string,
  ) {
    super(message);
    this.name = "ConfigError";
  }
}

type LoadConfigResult =
  | { ok: true; help: false; config: Config; positionals: string[] }
  | { ok: true; help: true; usage: string }
  | { ok: false; error: ConfigError };

const optionKeys = Object.keys(configSchema.shape) as OptionKey[];

export function flagName(key: OptionKey): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export function envName(key: OptionKey): string {
  return `LIVE_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Reads flags, then environment variables, then defaults. Pure: no I/O, no process globals. */
export function loadConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): LoadConfigResult {
  const byFlag = new Map(optionKeys.map((key) => [flagName(key).slice(2), key]));
  const { tokens } = parseArgs({
    args: [...argv],
    options: {
      help: { type: "boolean", short: "h" },
      ...Object.fromEntries([...byFlag.keys()].map((flag) => [flag, { type: "string" as const }])),
    },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });

  const raw: Partial<Record<OptionKey, string>> = {};
  const sourceOf = new Map<OptionKey, string>();
  const positionals: string[] = [];
  let help = false;

  for (const key of optionKeys) {
    const value = env[envName(key)];
    if (value !== undefined && value !== "") {
      raw[key] = value;
      sourceOf.set(key, envName(key));
    }
  }
  for (const token of tokens) {
    if (token.kind === "positional") {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== "option") continue;
    if (token.name === "help") {
      help = true;
      continue;
    }
    const key = byFlag.get(token.name);
    if (!key) return fail(new ConfigError(`unknown option ${token.rawName} (see --help)`, token.rawName));
    const value = token.value;
    if (value === undefined || (!token.inlineValue && value.startsWith("-"))) {
      return fail(new ConfigError(`missing value for ${token.rawName}`, token.rawName));
    }
    raw[key] = value;
    sourceOf.set(key, token.rawName);
  }

  if (help) return { ok: true, help: true, usage: usage() };

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path[0] as OptionKey;
    const option = sourceOf.get(key) ?? flagName(key);
    const value = raw[key] ?? "";
    return fail(new ConfigError(`invalid value ${JSON.stringify(value)} for ${option}: ${issue.message}`, option, value));
  }
  const options = parsed.data;
  const signIn = signInOptionsError(options, sourceOf);
  if (signIn) return fail(signIn);
  const config: Config = {
    ...options,
    httpHost: options.httpHost ?? options.host,
    keys: options.keys ?? path.join(options.dataDir, "keys.json"),
  };
  return { ok: true, help: false, config, positionals };
}

/** DiscourseConnect needs the forum, the secret and this host's public URL (the callback) together. */
function signInOptionsError(options: ParsedOptions, sourceOf: Map<OptionKey, string>): ConfigError | undefined {
  const name = (key: OptionKey) => sourceOf.get(key) ?? flagName(key);
  if (options.discourseUrl && !options.discourseConnectSecretFile) {
    return new ConfigError(
      `${name("discourseUrl")} needs ${flagName("discourseConnectSecretFile")} (the DiscourseConnect secret, in a file)`,
      name("discourseUrl"),
    );
  }
  if (options.discourseConnectSecretFile && !options.discourseUrl) {
    return new ConfigError(`${name("discourseConnectSecretFile")} needs ${flagName("discourseUrl")}`, name("discourseConnectSecretFile"));
  }
  if (options.discourseUrl && !options.publicUrl) {
    return new ConfigError(
      `${name("discourseUrl")} needs ${flagName("publicUrl")} (the forum sends viewers back to <public-url>/live/auth/callback)`,
      name("discourseUrl"),
    );
  }
  return undefined;
}

function fail(error: ConfigError): LoadConfigResult {
  return { ok: false, error };
}

export function usage(): string {
  const rows = optionKeys.map((key) => {
    const field = configSchema.shape[key];
    const fallback = "defaultValue" in field.def ? ` (default: ${String(field.def.defaultValue)})` : "";
    return [`  ${flagName(key)} <value>`, `${field.description ?? ""}${fallback}`, `  env ${envName(key)}`];
  });
  const width = Math.max(...rows.map(([flag]) => flag!.length)) + 2;
  return [
    "Usage: npm start -- [options]              start the ingest (RTMP in, LL-HLS out under /live)",
    "       npm start -- keys add <stream>      create or replace the key of a stream (printed once)",
    "       npm start -- keys list              list streams with a key (never the keys)",
    "       npm start -- keys revoke <stream>   delete the key of a stream",
    "       npm start -- keys access <stream> public|members|groups:<a>,<b>",
    "                                           who may watch a stream (default public)",
    "       npm start -- keys renditions <stream> 480p,360p|none|default",
    "                                           transcoded renditions of a stream (default: --renditions)",
    "       npm start -- recordings list [<stream>]                  list recordings (newest first)",
    "       npm start -- recordings delete <stream> <id>             delete one recording",
    "       npm start -- recordings export <stream> <id> <file.mp4>  write a recording as one MP4 (needs ffmpeg)",
    "       npm start -- recordings off|on <stream>                  stop or resume recording a stream (no restart)",
    "",
    "Options (each also an environment variable):",
    ...rows.map(([flag, text, env]) => `${flag!.padEnd(width)}${text}\n${" ".repeat(width)}${env}`),
    `  -h, --help`,
    "",
  ].join("\n");
}

function isOrigin(s: string): boolean {
  try {
    const url = new URL(s);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === s;
  } catch {
    return false;
  }
}

function isHttpBaseUrl(s: string): boolean {
  try {
    const url = new URL(s);
    return (url.protocol === "http:" || url.protocol === "https:") && !url.search && !url.hash && !url.username;
  } catch {
    return false;
  }
}
