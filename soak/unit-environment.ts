// The soak and the benchmarks run the ingest the way the systemd unit does, so they measure the deployed configuration.
import { readFileSync } from "node:fs";

const SHIPPED_UNIT = new URL("../ingest/deploy/live-shows-ingest.service", import.meta.url);

/** The environment the shipped systemd unit (ingest/deploy/live-shows-ingest.service) gives the ingest. */
export function shippedUnitEnvironment(): Record<string, string> {
  return unitEnvironment(readFileSync(SHIPPED_UNIT, "utf8"));
}

/** The variables a systemd unit's `Environment=` lines set (quoted values and several per line included). */
export function unitEnvironment(unitText: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of unitText.split("\n")) {
    const line = raw.trim();
    if (!line.startsWith("Environment=")) continue;
    const assignments = line.slice("Environment=".length).match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
    for (const quotedOrBare of assignments) {
      const assignment = /^["'].*["']$/.test(quotedOrBare) ? quotedOrBare.slice(1, -1) : quotedOrBare;
      const eq = assignment.indexOf("=");
      if (eq <= 0) throw new Error(`Environment= line without NAME=value: ${raw}`);
      env[assignment.slice(0, eq)] = assignment.slice(eq + 1);
    }
  }
  return env;
}
