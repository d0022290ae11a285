import { parseArgs } from "node:util";

export interface OptionSpec {
  /** default value (its type decides how the flag is parsed) */
  default: number | string;
  help: string;
}

/**
 * Parses `--name value` flags; each flag also reads the env var BENCH_<NAME> (dashes → underscores).
 * Flags win over env, env over defaults. `--help` prints the list and exits.
 */
export function parseOptions<T extends Record<string, OptionSpec>>(
  command: string,
  spec: T,
  argv = process.argv.slice(2),
): { [K in keyof T]: T[K]["default"] extends number ? number : string } {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: "boolean" },
      ...Object.fromEntries(Object.keys(spec).map((k) => [k, { type: "string" as const }])),
    },
    strict: true,
  });
  if (values.help) {
    console.log(`usage: ${command} [flags]\n`);
    for (const [k, s] of Object.entries(spec)) {
      console.log(`  --${k.padEnd(16)} ${s.help} (default ${s.default}; env ${envName(k)})`);
    }
    process.exit(0);
  }
  const out: Record<string, number | string> = {};
  for (const [k, s] of Object.entries(spec)) {
    const raw = (values as Record<string, unknown>)[k] ?? process.env[envName(k)];
    if (raw === undefined) out[k] = s.default;
    else if (typeof s.default === "number") {
      const n = Number(raw);
      if (!Number.isFinite(n)) throw new Error(`--${k} must be a number, got ${String(raw)}`);
      out[k] = n;
    } else out[k] = String(raw);
  }
  return out as { [K in keyof T]: T[K]["default"] extends number ? number : string };
}

const envName = (k: string) => `BENCH_${k.toUpperCase().replace(/-/g, "_")}`;

/** "a,b" → ["a","b"], each checked against the allowed values. */
export function listOption<A extends string>(name: string, value: string, allowed: readonly A[]): A[] {
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const i of items) if (!allowed.includes(i as A)) throw new Error(`--${name}: unknown "${i}" (allowed: ${allowed.join(", ")})`);
  return items as A[];
}
