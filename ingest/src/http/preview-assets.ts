import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { loadStaticAsset, type StaticAsset } from "./static-asset.js";

/** The committed player bundle, found from this module so the working directory does not matter. */
export const defaultPlayerBundle = new URL("../../../assets/live-player.js", import.meta.url);
const previewScript = new URL("./preview-script.js", import.meta.url);

/** The scripts of the preview page (/live/): the player bundle (null when missing) and the page's own script. */
export interface PreviewAssets {
  player: StaticAsset | null;
  script: StaticAsset;
}

/**
 * Reads both once, at start. A missing or unreadable bundle is a warning, not a failure: the page then
 * says so and still shows each stream's numbers. preview-script.js belongs to this module: without it
 * the checkout is broken, and the error names the file.
 */
export function loadPreviewAssets(playerBundle: URL, logger: Logger): PreviewAssets {
  let player: StaticAsset | null = null;
  try {
    player = loadStaticAsset(playerBundle);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    logger.warn({ file: fileURLToPath(playerBundle), err: code }, "player bundle missing: the preview page (/live/) cannot play streams");
  }
  return { player, script: loadStaticAsset(previewScript) };
}
