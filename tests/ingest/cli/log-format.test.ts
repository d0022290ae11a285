import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger, prettyLogs, type LogOutput } from "../../../ingest/src/logger.js";

const root = path.resolve(import.meta.dirname, "../../..");
const tsx = path.join(root, "node_modules/.bin/tsx");
const main = path.join(root, "ingest/src/main.ts");
// A failed start logs one fatal event and exits by itself: what a log line looks like in each mode
// (pretty prints an error's fields and stack indented under its line).
const FATAL_PRETTY = /^\[\d\d:\d\d:\d\d\.\d{3}\] FATAL: ingest failed to start *\n {4}err: \{\n[\s\S]*?"message": "listen EADDRINUSE/m;

function output(isTTY: boolean): { stream: LogOutput; text: () => string } {
  const stream: LogOutput = Object.assign(new PassThrough(), { isTTY });
  let text = "";
  stream.on("data", (d: Buffer) => (text += d));
  return { stream, text: () => text };
}

describe("createLogger", () => {
  it.each([
    ["auto", true, true],
    ["auto", false, false],
    ["pretty", false, true],
    ["json", true, false],
  ] as const)("%s with a terminal %s: pretty %s", (format, isTTY, pretty) => {
    expect(prettyLogs(format, { isTTY } as LogOutput)).toBe(pretty);
  });

  it("json: one JSON object per line with time, level, pid and the fields", () => {
    const out = output(false);
    createLogger("info", "json", out.stream).child({ component: "rtmp" }).info({ stream: "alice" }, "publish started");
    const line: Record<string, unknown> = JSON.parse(out.text());
    expect(line).toMatchObject({ level: 30, pid: process.pid, component: "rtmp", stream: "alice", msg: "publish started" });
    expect(typeof line.time).toBe("number");
  });

  it("pretty: one line per event, local time, level name, message, then the fields", () => {
    const out = output(false);
    const logger = createLogger("info", "pretty", out.stream);
    logger.child({ component: "rtmp" }).warn({ stream: "alice" }, "publisher silent");
    logger.debug("below the level");
    expect(out.text()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: publisher silent \{"component":"rtmp","stream":"alice"\}\n$/);
  });
});

describe("the ingest's output", () => {
  let dir: string;
  let blocker: Server;
  let port: number;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "log-format-test-"));
    blocker = createServer();
    port = await new Promise<number>((resolve) =>
      blocker.listen(0, "127.0.0.1", () => resolve((blocker.address() as { port: number }).port)),
    );
  });

  afterEach(async () => {
    blocker.close();
    await rm(dir, { recursive: true, force: true });
  });

  const args = () => [main, "--data-dir", dir, "--host", "127.0.0.1", "--http-port", String(port)];
  const env = (extra: Record<string, string> = {}) => {
    const clean: NodeJS.ProcessEnv = { TERM: "xterm" };
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("LIVE_") && k !== "NO_COLOR" && k !== "FORCE_COLOR") clean[k] = v;
    return { ...clean, ...extra };
  };
  const run = (file: string, argv: string[], extra?: Record<string, string>) =>
    new Promise<string>((resolve) => execFile(file, argv, { cwd: root, env: env(extra) }, (_error, stdout) => resolve(stdout)));

  it("piped (as under systemd): JSON lines after the plain-text first-start banner", async () => {
    const stdout = await run(tsx, args());
    const [banner, logs] = stdout.split(/(?<=={72}\n)(?=\{)/);
    expect(banner).toMatch(/^={72}\nFirst start: created a key for the stream "test"/);
    const lines = logs!
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { msg: string });
    expect(lines.map((line) => line.msg)).toContain("ingest failed to start");
  });

  it.each([
    ["--log-format pretty", ["--log-format", "pretty"], {}],
    ["LIVE_LOG_FORMAT=pretty", [], { LIVE_LOG_FORMAT: "pretty" }],
  ])("piped with %s: pretty lines, no colours", async (_name, extraArgs, extraEnv) => {
    const stdout = await run(tsx, [...args(), ...extraArgs], extraEnv);
    expect(stdout).toMatch(FATAL_PRETTY);
    expect(stdout).not.toContain("\x1b[");
    expect(stdout).not.toContain('{"level"');
  });

  // script(1) runs the ingest with a pseudo-terminal as stdout, as an admin's shell does.
  const inTerminal = async (extra: string[] = []) =>
    (await run("script", ["-qec", [tsx, ...args(), ...extra].join(" "), "/dev/null"])).replaceAll("\r\n", "\n");

  it("on a terminal: coloured pretty lines by default", async () => {
    const stdout = await inTerminal();
    expect(stdout).toContain("\x1b[");
    // eslint-disable-next-line no-control-regex -- strips the terminal's colour escapes
    expect(stdout.replace(/\x1b\[[0-9;]*m/g, "")).toMatch(FATAL_PRETTY);
  });

  it("on a terminal with --log-format json: JSON lines", async () => {
    expect(await inTerminal(["--log-format", "json"])).toMatch(/^\{"level":60,.*"msg":"ingest failed to start"\}$/m);
  });
});
