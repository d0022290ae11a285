import type { Labels } from "./types.js";

export interface QualityMenuModel {
  /** Auto first, then the renditions, highest first; fewer than two renditions: the menu is hidden. */
  choices: ReadonlyArray<{ key: string; label: string }>;
  selected: string;
  /** The rendition playing now, shown beside "Auto". */
  playing: string | null;
}

const HIDDEN: QualityMenuModel = { choices: [], selected: "", playing: null };

/**
 * The quality button of the control bar and its popup: a menu of radio items (ARIA menu pattern:
 * arrows, Home/End, Escape back to the button), big enough to tap, closed by a tap outside.
 */
export class QualityMenu {
  readonly element: HTMLDivElement;
  private readonly button: HTMLButtonElement;
  private readonly buttonText: HTMLSpanElement;
  private readonly list: HTMLDivElement;
  private items: HTMLButtonElement[] = [];
  private model: QualityMenuModel = HIDDEN;
  private renderedKey = "";
  private readonly onOutside = (event: Event) => {
    if (!this.element.contains(event.target as Node)) this.close(false);
  };

  constructor(
    private readonly doc: Document,
    private readonly labels: Labels,
    private readonly choose: (key: string) => void,
  ) {
    this.element = doc.createElement("div");
    this.element.className = "live-show-quality";
    this.element.hidden = true;
    this.button = doc.createElement("button");
    this.button.type = "button";
    this.button.className = "live-show-quality-button";
    this.button.setAttribute("aria-haspopup", "menu");
    this.button.setAttribute("aria-expanded", "false");
    this.buttonText = doc.createElement("span");
    this.button.append(this.buttonText);
    this.list = doc.createElement("div");
    this.list.className = "live-show-quality-menu";
    this.list.setAttribute("role", "menu");
    this.list.setAttribute("aria-label", labels.quality);
    this.list.hidden = true;
    this.element.append(this.button, this.list);

    this.button.addEventListener("click", () => (this.list.hidden ? this.open(this.selectedIndex()) : this.close(true)));
    this.button.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      event.preventDefault();
      this.open(event.key === "ArrowDown" ? this.selectedIndex() : this.items.length - 1);
    });
    this.list.addEventListener("keydown", (event) => this.onMenuKey(event));
  }

  render(model: QualityMenuModel): void {
    this.model = model;
    const visible = model.choices.length > 2; // Auto and at least two renditions
    this.element.hidden = !visible;
    if (!visible) {
      this.close(false);
      return;
    }
    const key = JSON.stringify(model);
    if (key === this.renderedKey) return;
    this.renderedKey = key;
    const selected = model.choices.find((choice) => choice.key === model.selected) ?? model.choices[0]!;
    const auto = selected.key === model.choices[0]!.key;
    const shown = auto && model.playing ? `${selected.label} · ${model.playing}` : selected.label;
    this.buttonText.textContent = shown;
    this.button.setAttribute("aria-label", `${this.labels.quality}: ${shown}`);
    const focused = this.items.indexOf(this.doc.activeElement as HTMLButtonElement);
    this.items = model.choices.map((choice, index) => {
      const item = this.doc.createElement("button");
      item.type = "button";
      item.className = "live-show-quality-item";
      item.setAttribute("role", "menuitemradio");
      item.setAttribute("aria-checked", String(choice.key === selected.key));
      item.tabIndex = -1;
      item.dataset.quality = choice.key;
      item.textContent = index === 0 && model.playing ? `${choice.label} (${model.playing})` : choice.label;
      item.addEventListener("click", () => {
        this.close(true);
        this.choose(choice.key);
      });
      return item;
    });
    this.list.replaceChildren(...this.items);
    if (focused >= 0) this.items[Math.min(focused, this.items.length - 1)]?.focus();
  }

  /** Closes the popup (the controls hid, or the player left the page). */
  close(returnFocus: boolean): void {
    if (this.list.hidden) return;
    this.list.hidden = true;
    this.button.setAttribute("aria-expanded", "false");
    this.doc.removeEventListener("pointerdown", this.onOutside, true);
    if (returnFocus) this.button.focus();
  }

  dispose(): void {
    this.close(false);
    this.element.remove();
  }

  private open(focusIndex: number): void {
    if (this.items.length === 0) return;
    this.list.hidden = false;
    this.button.setAttribute("aria-expanded", "true");
    this.doc.addEventListener("pointerdown", this.onOutside, true);
    this.items[Math.max(0, Math.min(focusIndex, this.items.length - 1))]!.focus();
  }

  private selectedIndex(): number {
    return Math.max(
      0,
      this.model.choices.findIndex((choice) => choice.key === this.model.selected),
    );
  }

  private onMenuKey(event: KeyboardEvent): void {
    const current = this.items.indexOf(this.doc.activeElement as HTMLButtonElement);
    const last = this.items.length - 1;
    const moves: Record<string, number> = {
      ArrowDown: current >= last ? 0 : current + 1,
      ArrowUp: current <= 0 ? last : current - 1,
      Home: 0,
      End: last,
    };
    if (event.key in moves) {
      event.preventDefault();
      this.items[moves[event.key]!]!.focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation(); // not video.js's fullscreen exit
      this.close(true);
    } else if (event.key === "Tab") {
      this.close(false);
    }
  }
}
