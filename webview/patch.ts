// Keyed redraws. The panel redraws on every batch of streamed tokens; replacing an element under the pointer
// loses the click on it (the press and the release land on different elements), and replacing text loses the
// user's selection in it. So the panel is drawn as keyed parts, and a part keeps its element for as long as its
// signature (everything it shows, as one string) stays the same; only a part that changed is built again.

export interface Part {
  key: string;
  /** Everything the element shows: it is built again only when this changes. */
  sig: string;
  build(): HTMLElement;
  /** Runs on every redraw, on a kept element as on a new one: for keyed children, or text updated in place. */
  fill?(el: HTMLElement): void;
}

export function part(key: string, sig: string, build: () => HTMLElement, fill?: (el: HTMLElement) => void): Part {
  return { key, sig, build, fill };
}

const drawn = new WeakMap<Element, { key: string; sig: string }>();

/** Make `parent`'s element children the parts, in order, reusing each unchanged part's element. */
export function patch(parent: Element, parts: Part[]): void {
  const old = new Map<string, Element>();
  for (const child of parent.children) {
    const d = drawn.get(child);
    if (d) old.set(d.key, child);
  }
  const want = parts.map((p) => {
    const prev = old.get(p.key);
    const el = prev && drawn.get(prev)?.sig === p.sig ? (prev as HTMLElement) : p.build();
    drawn.set(el, { key: p.key, sig: p.sig });
    p.fill?.(el);
    return el;
  });
  // Insert only where the order differs, so a kept element is not even moved.
  want.forEach((el, i) => {
    if (parent.children[i] !== el) parent.insertBefore(el, parent.children[i] ?? null);
  });
  while (parent.children.length > want.length) parent.lastElementChild!.remove();
}
