// CLI of the ingest: `npm start` (serve), `npm start -- keys add|list|revoke`, `npm start -- recordings list|delete|export|off|on`. Exit codes: 0 ok, 1 runtime error, 2 usage or config error.
import { startIngest } from "./app.js";
import { EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, keysCommand, type Output } from "./cli/keys-command.js";
import { obsInstructions, publicUrls } from "./cli/public-urls.js";
import { recordingsCommand } from "./cli/recordings-command.js";
import { loadConfig, type Config } from "./config.js";
import { KeysFileError, KeyStore } from "./keys/index.js";
import { createLogger } from "./logger.js";

const SHUTDOWN_DEADLINE_MS = 5_000;
const FIRST_STREAM = "test";

const io: Output = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

// On a terminal one line rewritten in place; in a log every tenth percent.
let lastProgress = "";
function progress(text: string): void {
  if (process.stderr.isTTY) {
    process.stderr.write(`\r${text}${text.endsWith("100%") ? "\n" : ""}`);
  } else if (/ (\d*0|100)%$/.test(text) && text !== lastProgress) {
    process.stderr.write(`${text}\n`);
  }
  lastProgress = text;
}

async function main(argv: readonly string[]): Promise<number> {
  const loaded = loadConfig(argv, process.env);
  if (!loaded.ok) {
    io.err(`error: ${loaded.error.message}\nRun with --help for usage.`);
    return EXIT_USAGE;
  }
  if (loaded.help) {
    io.out(loaded.usage);
    return EXIT_OK;
  }
  const [command, ...args] = loaded.positionals;
  if (command === undefined) return serve(loaded.config);
  if (command === "keys") return keysCommand(loaded.config, args, io);
  if (command === "recordings") return recordingsCommand(loaded.config, args, { ...io, progress });
  io.err(`error: unknown command "${command}"\nRun with --help for usage.`);
  return EXIT_USAGE;
}

async function serve(config: Config): Promise<number> {
  const logger = createLogger(config.logLevel, config.logFormat);
  const store = new KeyStore({ file: config.keys });
  try {
    if (!(await store.check())) {
      const added = await store.add(FIRST_STREAM);
      printFirstKey(config, added.key);
    }
  } catch (error) {
    if (!(error instanceof KeysFileError)) throw error;
    io.err(`error: ${error.message}\nFix or move the file; it is never overwritten.`);
    return EXIT_RUNTIME;
  }

  // Listening for signals before starting: a SIGTERM while the servers come up stops them once they are up.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", () => resolve("SIGTERM"));
    process.once("SIGINT", () => resolve("SIGINT"));
  });
  let ingest: { close(): Promise<void> };
  try {
    ingest = await startIngest(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, "ingest failed to start");
    io.err(`error: the ingest could not start: ${(error as Error).message}`);
    return EXIT_RUNTIME;
  }

  const signal = await stopSignal;
  logger.info({ signal }, "shutting down");
  const again = () => {
    logger.warn("second signal: exiting now");
    process.exit(EXIT_RUNTIME);
  };
  process.once("SIGTERM", again);
  process.once("SIGINT", again);

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<"deadline">((resolve) => {
    timer = setTimeout(() => resolve("deadline"), SHUTDOWN_DEADLINE_MS);
  });
  const outcome = await Promise.race([ingest.close().then(() => "closed" as const), deadline]);
  clearTimeout(timer);
  if (outcome === "deadline") {
    logger.error({ deadlineMs: SHUTDOWN_DEADLINE_MS }, "shutdown did not finish in time");
    return EXIT_RUNTIME;
  }
  logger.info("stopped");
  return EXIT_OK;
}

function printFirstKey(config: Config, key: string): void {
  const rule = "=".repeat(72);
  io.out(
    [
      rule,
      `First start: created a key for the stream "${FIRST_STREAM}" in ${config.keys}.`,
      "It is shown only this once (only its hash is stored). New keys: npm run keys -- add <stream>",
      "",
      ...obsInstructions(publicUrls(config), FIRST_STREAM, key),
      rule,
    ].join("\n"),
  );
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    io.err(`error: ${(error as Error).stack ?? String(error)}`);
    process.exit(EXIT_RUNTIME);
  },
);
