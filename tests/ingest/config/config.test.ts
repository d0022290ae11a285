import { describe, expect, it } from "vitest";
import { configSchema, envName, flagName, loadConfig, type Config } from "../../../ingest/src/config.js";

function ok(argv: string[], env: Record<string, string> = {}): { config: Config; positionals: string[] } {
  const result = loadConfig(argv, env);
  if (!result.ok || result.help) throw new Error(`expected a config, got ${JSON.stringify(result)}`);
  return result;
}

function error(argv: string[], env: Record<string, string> = {}) {
  const result = loadConfig(argv, env);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  return result.error;
}

describe("loadConfig defaults", () => {
  it("uses the documented defaults with no flags and no environment", () => {
    expect(ok([]).config).toEqual({
      rtmpPort: 1935,
      httpPort: 8080,
      host: "0.0.0.0",
      httpHost: "0.0.0.0",
      dataDir: "./data",
      keys: "data/keys.json",
      app: "live",
      allowOrigin: "*",
      partMs: 200,
      windowSegments: 6,
      graceS: 60,
      logLevel: "info",
      logFormat: "auto",
      maxConnections: 256,
      maxConnectionsPerAddress: 8,
      handshakeTimeoutMs: 5000,
      publishTimeoutMs: 10000,
      idleTimeoutMs: 10000,
      takeoverMs: 1000,
      maxMessageBytes: 4194304,
      sessionHours: 4,
      recordings: "on",
      recordingsMaxAgeDays: 30,
      recordingsMaxMb: 10240,
      recordingsMinFreeMb: 1024,
      viewersPerAddress: 100,
      renditions: "none",
      maxTranscodes: 2,
      trustedProxies: ["127.0.0.1", "::1"],
    });
  });

  it("derives flag and environment names from every key", () => {
    const names = Object.keys(configSchema.shape).map((key) => [flagName(key as never), envName(key as never)]);
    expect(names).toContainEqual(["--rtmp-port", "LIVE_RTMP_PORT"]);
    expect(names).toContainEqual(["--keys", "LIVE_KEYS"]);
    expect(names).toContainEqual(["--grace-s", "LIVE_GRACE_S"]);
    expect(names).toContainEqual(["--max-message-bytes", "LIVE_MAX_MESSAGE_BYTES"]);
    expect(names).toContainEqual(["--recordings", "LIVE_RECORDINGS"]);
    expect(names).toContainEqual(["--recordings-max-mb", "LIVE_RECORDINGS_MAX_MB"]);
    expect(names).toContainEqual(["--publish-timeout-ms", "LIVE_PUBLISH_TIMEOUT_MS"]);
    expect(names).toContainEqual(["--takeover-ms", "LIVE_TAKEOVER_MS"]);
    expect(names).toContainEqual(["--http-host", "LIVE_HTTP_HOST"]);
    expect(names).toContainEqual(["--max-connections-per-address", "LIVE_MAX_CONNECTIONS_PER_ADDRESS"]);
    expect(names).toContainEqual(["--discourse-connect-secret-file", "LIVE_DISCOURSE_CONNECT_SECRET_FILE"]);
    expect(names).toContainEqual(["--trusted-proxies", "LIVE_TRUSTED_PROXIES"]);
    expect(names).toContainEqual(["--renditions", "LIVE_RENDITIONS"]);
    expect(names).toContainEqual(["--max-transcodes", "LIVE_MAX_TRANSCODES"]);
    expect(names).toHaveLength(32);
  });
});

describe("loadConfig accepts flags and environment variables", () => {
  it.each<[string, string[], Record<string, string>, Partial<Config>]>([
    ["port flag", ["--rtmp-port", "19350"], {}, { rtmpPort: 19350 }],
    ["renditions flag", ["--renditions", "360p,480p"], {}, { renditions: "360p,480p" }],
    ["renditions env", [], { LIVE_RENDITIONS: "none", LIVE_MAX_TRANSCODES: "4" }, { renditions: "none", maxTranscodes: 4 }],
    ["inline flag value", ["--http-port=0"], {}, { httpPort: 0 }],
    ["env var", [], { LIVE_HTTP_PORT: "8081" }, { httpPort: 8081 }],
    ["flag beats env", ["--http-port", "9000"], { LIVE_HTTP_PORT: "8081" }, { httpPort: 9000 }],
    ["empty env var is unset", [], { LIVE_HTTP_PORT: "" }, { httpPort: 8080 }],
    ["data dir moves the keys file", ["--data-dir", "/srv/live"], {}, { dataDir: "/srv/live", keys: "/srv/live/keys.json" }],
    ["explicit keys file", ["--data-dir", "/srv/live", "--keys", "/etc/live/keys.json"], {}, { keys: "/etc/live/keys.json" }],
    ["keys via env", [], { LIVE_KEYS: "/k.json" }, { keys: "/k.json" }],
    ["per-address RTMP cap", ["--max-connections-per-address", "16"], {}, { maxConnectionsPerAddress: 16 }],
    ["per-address viewer cap", [], { LIVE_VIEWERS_PER_ADDRESS: "500" }, { viewersPerAddress: 500 }],
    [
      "trusted proxies",
      ["--trusted-proxies", " 127.0.0.1, 172.17.0.0/16 ,fd00::/8"],
      {},
      { trustedProxies: ["127.0.0.1", "172.17.0.0/16", "fd00::/8"] },
    ],
    ["IPv4 host", ["--host", "127.0.0.1"], {}, { host: "127.0.0.1" }],
    ["IPv6 host", ["--host", "::"], {}, { host: "::" }],
    ["host name", ["--host", "ingest.example.org"], {}, { host: "ingest.example.org" }],
    ["http host defaults to host", ["--host", "10.0.0.5"], {}, { host: "10.0.0.5", httpHost: "10.0.0.5" }],
    ["http host defaults to host from env", [], { LIVE_HOST: "::" }, { host: "::", httpHost: "::" }],
    ["http host flag", ["--http-host", "127.0.0.1"], {}, { host: "0.0.0.0", httpHost: "127.0.0.1" }],
    ["http host with host", ["--http-host", "127.0.0.1", "--host", "0.0.0.0"], {}, { host: "0.0.0.0", httpHost: "127.0.0.1" }],
    ["http host env", [], { LIVE_HTTP_HOST: "::1", LIVE_HOST: "0.0.0.0" }, { host: "0.0.0.0", httpHost: "::1" }],
    ["http host flag beats env", ["--http-host", "127.0.0.1"], { LIVE_HTTP_HOST: "10.0.0.5" }, { httpHost: "127.0.0.1" }],
    ["empty http host env follows host", ["--host", "127.0.0.1"], { LIVE_HTTP_HOST: "" }, { httpHost: "127.0.0.1" }],
    ["http host name", ["--http-host", "localhost"], {}, { httpHost: "localhost" }],
    ["app", ["--app", "shows"], {}, { app: "shows" }],
    ["origin", ["--allow-origin", "https://forum.example.org"], {}, { allowOrigin: "https://forum.example.org" }],
    ["part ms lower bound", ["--part-ms", "100"], {}, { partMs: 100 }],
    ["part ms upper bound", ["--part-ms", "2000"], {}, { partMs: 2000 }],
    ["window", ["--window-segments", "10"], {}, { windowSegments: 10 }],
    ["grace", [], { LIVE_GRACE_S: "0" }, { graceS: 0 }],
    ["public url", ["--public-url", "https://forum.example.org"], {}, { publicUrl: "https://forum.example.org" }],
    ["log level", ["--log-level", "debug"], {}, { logLevel: "debug" }],
    ["log format", [], { LIVE_LOG_FORMAT: "json" }, { logFormat: "json" }],
    [
      "rtmp limits",
      ["--max-connections", "8", "--idle-timeout-ms", "3000"],
      { LIVE_HANDSHAKE_TIMEOUT_MS: "200" },
      { maxConnections: 8, idleTimeoutMs: 3000, handshakeTimeoutMs: 200 },
    ],
    ["message size", ["--max-message-bytes", "65536"], {}, { maxMessageBytes: 65536 }],
    ["recording off for the whole ingest", [], { LIVE_RECORDINGS: "off" }, { recordings: "off" }],
    ["retention", ["--recordings-max-age-days", "0", "--recordings-max-mb", "500"], {}, { recordingsMaxAgeDays: 0, recordingsMaxMb: 500 }],
  ])("%s", (_name, argv, env, expected) => {
    expect(ok(argv, env).config).toMatchObject(expected);
  });

  it("returns positionals (subcommands) with the options around them", () => {
    const { config, positionals } = ok(["keys", "add", "foo", "--data-dir", "/tmp/x"]);
    expect(positionals).toEqual(["keys", "add", "foo"]);
    expect(config.keys).toBe("/tmp/x/keys.json");
  });
});

describe("loadConfig rejects bad input with one message naming the option and the value", () => {
  it.each<[string[], Record<string, string>, string, string | undefined, RegExp]>([
    [["--rtmp-port", "abc"], {}, "--rtmp-port", "abc", /invalid value "abc" for --rtmp-port: expected an integer from 0 to 65535/],
    [["--rtmp-port", "65536"], {}, "--rtmp-port", "65536", /65536.*--rtmp-port/],
    [["--http-port", "-1"], {}, "--http-port", undefined, /missing value for --http-port/],
    [["--http-port", "8.5"], {}, "--http-port", "8.5", /"8\.5" for --http-port/],
    [[], { LIVE_RECORDINGS: "yes" }, "LIVE_RECORDINGS", "yes", /invalid value "yes" for LIVE_RECORDINGS: expected "on" or "off"/],
    [[], { LIVE_HTTP_PORT: "http" }, "LIVE_HTTP_PORT", "http", /invalid value "http" for LIVE_HTTP_PORT/],
    [["--part-ms", "50"], {}, "--part-ms", "50", /"50" for --part-ms: expected an integer from 100 to 2000/],
    [["--part-ms", "2001"], {}, "--part-ms", "2001", /--part-ms/],
    [["--host", "not a host"], {}, "--host", "not a host", /--host: expected an IP address or a host name/],
    [
      ["--http-host", "127.0.0.1:8080"],
      {},
      "--http-host",
      "127.0.0.1:8080",
      /invalid value "127\.0\.0\.1:8080" for --http-host: expected an IP address or a host name/,
    ],
    [[], { LIVE_HTTP_HOST: "local host" }, "LIVE_HTTP_HOST", "local host", /invalid value "local host" for LIVE_HTTP_HOST/],
    [
      ["--trusted-proxies", "127.0.0.1,10.0.0.0/33"],
      {},
      "--trusted-proxies",
      "127.0.0.1,10.0.0.0/33",
      /invalid value .* for --trusted-proxies: expected IP addresses or CIDR blocks/,
    ],
    [
      [],
      { LIVE_TRUSTED_PROXIES: "proxy.local" },
      "LIVE_TRUSTED_PROXIES",
      "proxy.local",
      /invalid value "proxy\.local" for LIVE_TRUSTED_PROXIES/,
    ],
    [["--http-host"], {}, "--http-host", undefined, /missing value for --http-host/],
    [["--allow-origin", "https://forum.example.org/path"], {}, "--allow-origin", "https://forum.example.org/path", /--allow-origin/],
    [["--public-url", "ftp://x"], {}, "--public-url", "ftp://x", /--public-url/],
    [["--log-level", "loud"], {}, "--log-level", "loud", /"loud" for --log-level: expected one of fatal, error/],
    [["--log-format", "xml"], {}, "--log-format", "xml", /"xml" for --log-format: expected one of auto, pretty, json/],
    [["--app", "a/b"], {}, "--app", "a/b", /--app/],
    [["--keys", ""], {}, "--keys", "", /--keys/],
    [["--data-dir"], {}, "--data-dir", undefined, /missing value for --data-dir/],
    [["--rtmp-port", "--http-port", "1"], {}, "--rtmp-port", undefined, /missing value for --rtmp-port/],
    [["--bogus", "1"], {}, "--bogus", undefined, /unknown option --bogus/],
    [["-x"], {}, "-x", undefined, /unknown option -x/],
    [["--discourse-url", "forum.example.org"], {}, "--discourse-url", "forum.example.org", /--discourse-url: expected an http\(s\) URL/],
    [
      ["--discourse-url", "https://forum.example.org", "--public-url", "https://live.example.org"],
      {},
      "--discourse-url",
      undefined,
      /--discourse-url needs --discourse-connect-secret-file/,
    ],
    [["--discourse-connect-secret-file", "/etc/s"], {}, "--discourse-connect-secret-file", undefined, /needs --discourse-url/],
    [
      ["--discourse-connect-secret-file", "/etc/s"],
      { LIVE_DISCOURSE_URL: "https://f.example.org" },
      "LIVE_DISCOURSE_URL",
      undefined,
      /LIVE_DISCOURSE_URL needs --public-url/,
    ],
    [["--session-hours", "0"], {}, "--session-hours", "0", /--session-hours: expected an integer from 1 to 168/],
    [
      ["--renditions", "480p,1080p"],
      {},
      "--renditions",
      "480p,1080p",
      /invalid value "480p,1080p" for --renditions: expected "none" or a comma-separated list of 720p, 480p, 360p, 240p/,
    ],
    [[], { LIVE_RENDITIONS: "hd" }, "LIVE_RENDITIONS", "hd", /invalid value "hd" for LIVE_RENDITIONS/],
    [["--max-transcodes", "65"], {}, "--max-transcodes", "65", /--max-transcodes: expected an integer from 0 to 64/],
  ])("%j %j", (argv, env, option, value, message) => {
    const e = error(argv, env);
    expect(e.message).toMatch(message);
    expect(e.option).toBe(option);
    expect(e.value).toBe(value);
  });

  it("names the flag, not the env var, when the flag carries the bad value", () => {
    expect(error(["--grace-s", "x"], { LIVE_GRACE_S: "5" }).option).toBe("--grace-s");
  });
});

describe("--help", () => {
  it.each([["--help"], ["-h"], ["keys", "--help"]])("%s returns usage listing every flag, env var and default", (...argv) => {
    const result = loadConfig(argv, {});
    expect(result.ok && result.help).toBe(true);
    if (!result.ok || !result.help) return;
    for (const key of Object.keys(configSchema.shape)) {
      expect(result.usage).toContain(flagName(key as never));
      expect(result.usage).toContain(envName(key as never));
    }
    expect(result.usage).toContain("(default: 1935)");
    expect(result.usage).toMatch(/--http-host <value> +address HTTP .*\(default: --host\)/);
    expect(result.usage).toContain("keys add <stream>");
  });

  it("help wins over an invalid value elsewhere", () => {
    const result = loadConfig(["--rtmp-port", "x", "--help"], {});
    expect(result.ok).toBe(true);
  });
});
