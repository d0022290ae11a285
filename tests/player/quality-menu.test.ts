import { createRequire } from "node:module";
import { beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_LABELS } from "../../player/src/labels.js";
import { QualityMenu, type QualityMenuModel } from "../../player/src/quality-menu.js";

// jsdom ships no types (the theme tests use it as a vitest environment instead)
const { JSDOM } = createRequire(import.meta.url)("jsdom") as {
  JSDOM: new (html?: string, options?: Record<string, unknown>) => { window: Window & typeof globalThis };
};

const LADDER: QualityMenuModel = {
  choices: [
    { key: "auto", label: "Auto" },
    { key: "source", label: "Source" },
    { key: "480p", label: "480p" },
    { key: "360p", label: "360p" },
  ],
  selected: "auto",
  playing: "480p",
};

describe("QualityMenu", () => {
  let window: Window & typeof globalThis;
  let doc: Document;
  let menu: QualityMenu;
  let chosen: string[];

  const $ = <T extends Element>(selector: string) => doc.querySelector<T>(selector)!;
  const items = () => [...doc.querySelectorAll<HTMLButtonElement>(".live-show-quality-item")];
  const key = (target: Element, name: string) =>
    target.dispatchEvent(new window.KeyboardEvent("keydown", { key: name, bubbles: true, cancelable: true }));
  const focused = () => (doc.activeElement as HTMLElement).dataset.quality ?? doc.activeElement?.className;

  beforeEach(() => {
    window = new JSDOM('<!doctype html><html lang="en"><body><div id="bar"></div><p id="outside">text</p></body></html>').window;
    doc = window.document;
    chosen = [];
    menu = new QualityMenu(doc, DEFAULT_LABELS, (k) => chosen.push(k));
    $("#bar").append(menu.element);
  });

  it("stays hidden for a stream with a single rendition", () => {
    menu.render({
      choices: [
        { key: "auto", label: "Auto" },
        { key: "source", label: "Source" },
      ],
      selected: "auto",
      playing: "Source",
    });
    expect(menu.element.hidden).toBe(true);
    menu.render({ choices: [], selected: "auto", playing: null });
    expect(menu.element.hidden).toBe(true);
  });

  it("names the button with the choice and what Auto plays, and checks one radio item", () => {
    menu.render(LADDER);
    const button = $<HTMLButtonElement>(".live-show-quality-button");
    expect(menu.element.hidden).toBe(false);
    expect(button.textContent).toBe("Auto · 480p");
    expect(button.getAttribute("aria-label")).toBe("Quality: Auto · 480p");
    expect(button.getAttribute("aria-haspopup")).toBe("menu");
    expect($(".live-show-quality-menu").getAttribute("role")).toBe("menu");
    expect(items().map((i) => [i.textContent, i.getAttribute("role"), i.getAttribute("aria-checked")])).toEqual([
      ["Auto (480p)", "menuitemradio", "true"],
      ["Source", "menuitemradio", "false"],
      ["480p", "menuitemradio", "false"],
      ["360p", "menuitemradio", "false"],
    ]);
    menu.render({ ...LADDER, selected: "360p", playing: "360p" });
    expect(button.textContent).toBe("360p");
    expect(items().map((i) => i.getAttribute("aria-checked"))).toEqual(["false", "false", "false", "true"]);
  });

  it("opens on a tap, chooses on a tap, closes and gives focus back to the button", () => {
    menu.render(LADDER);
    const button = $<HTMLButtonElement>(".live-show-quality-button");
    button.click();
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect($<HTMLElement>(".live-show-quality-menu").hidden).toBe(false);
    expect(focused()).toBe("auto");
    items()[3]!.click();
    expect(chosen).toEqual(["360p"]);
    expect($<HTMLElement>(".live-show-quality-menu").hidden).toBe(true);
    expect(button.getAttribute("aria-expanded")).toBe("false");
    expect(doc.activeElement).toBe(button);
  });

  it("works from the keyboard: arrows (wrapping), Home/End, Enter, Escape", () => {
    menu.render({ ...LADDER, selected: "480p" });
    const button = $<HTMLButtonElement>(".live-show-quality-button");
    button.focus();
    key(button, "ArrowDown"); // opens on the checked item
    expect(focused()).toBe("480p");
    key(doc.activeElement!, "ArrowDown");
    expect(focused()).toBe("360p");
    key(doc.activeElement!, "ArrowDown");
    expect(focused()).toBe("auto");
    key(doc.activeElement!, "ArrowUp");
    expect(focused()).toBe("360p");
    key(doc.activeElement!, "Home");
    expect(focused()).toBe("auto");
    key(doc.activeElement!, "End");
    expect(focused()).toBe("360p");
    const escape = new window.KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true });
    doc.activeElement!.dispatchEvent(escape);
    expect(escape.defaultPrevented).toBe(true);
    expect($<HTMLElement>(".live-show-quality-menu").hidden).toBe(true);
    expect(doc.activeElement).toBe(button);
    expect(chosen).toEqual([]);
    key(button, "ArrowUp"); // opens on the last item
    expect(focused()).toBe("360p");
  });

  it("closes on a tap outside, on close(), and keeps focus on the item being re-rendered", () => {
    menu.render(LADDER);
    $<HTMLButtonElement>(".live-show-quality-button").click();
    key(doc.activeElement!, "ArrowDown");
    menu.render({ ...LADDER, playing: "Source" }); // Auto moved up while the menu is open
    expect(focused()).toBe("source");
    expect(items()[0]!.textContent).toBe("Auto (Source)");
    $("#outside").dispatchEvent(new window.Event("pointerdown", { bubbles: true }));
    expect($<HTMLElement>(".live-show-quality-menu").hidden).toBe(true);
    $<HTMLButtonElement>(".live-show-quality-button").click();
    menu.close(false);
    expect($<HTMLElement>(".live-show-quality-menu").hidden).toBe(true);
    menu.dispose();
    expect(doc.querySelector(".live-show-quality")).toBeNull();
  });
});
