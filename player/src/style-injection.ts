import videojsCss from "video.js/dist/video-js.css?inline";
import playerCss from "./styles.css?inline";

const STYLE_ID = "live-shows-player-styles";

/** One <style> per document, added on the first mount (Discourse's CSP has no style-src). */
export function ensureStyles(doc: Document): void {
  if (doc.getElementById(STYLE_ID)) return;
  const style = doc.createElement("style");
  style.id = STYLE_ID;
  style.textContent = `${videojsCss}\n${playerCss}`;
  doc.head.append(style);
}
