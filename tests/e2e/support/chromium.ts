import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";
import { describe, it } from "vitest";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const MISSING_CHROMIUM = `Chromium not found at ${CHROMIUM_PATH}: apt-get install chromium (or set CHROMIUM_PATH)`;

/** describe() for browser suites: fails under CI when Chromium is missing, skips (saying why) elsewhere. */
export function describeWithChromium(name: string, body: () => void): void {
  if (existsSync(CHROMIUM_PATH)) {
    describe(name, body);
  } else if (process.env.CI === "true") {
    describe(name, () => {
      it("needs Chromium", () => {
        throw new Error(MISSING_CHROMIUM);
      });
    });
  } else {
    describe.skip(`${name} (skipped: ${MISSING_CHROMIUM})`, body);
  }
}

/** Headless Chromium for the tests; `extraArgs` for the few suites that need a flag more. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      // no --autoplay-policy override by default: the player's muted autoplay must work under Chromium's default policy
      ...extraArgs,
    ],
  });
}
