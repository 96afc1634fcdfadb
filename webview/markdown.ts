// Model text → safe HTML. Model output is untrusted (it may echo code under review, or be steered by it), so
// every piece goes through marked and then DOMPurify before it becomes HTML; nothing else in the panel uses
// innerHTML.

import DOMPurify from "dompurify";
import { Marked, type Token } from "marked";

const FORBID_TAGS = [
  "style",
  "form",
  "input",
  "button",
  "textarea",
  "select",
  "option",
  "iframe",
  "object",
  "embed",
  "svg",
  "math",
  "img",
  "video",
  "audio",
  "link",
  "meta",
  "base",
];
// Models often open a reply with "# Review": inside a column it must not look like the panel's own headings (h1–h3).
// Markdown headings move down three levels; a raw <h1>–<h3> in the text keeps only its words.
const HEADING_SHIFT = 3;
const PANEL_HEADINGS = ["h1", "h2", "h3"];

const marked = new Marked({
  gfm: true,
  walkTokens(token: Token) {
    if (token.type === "heading") token.depth = Math.min(6, token.depth + HEADING_SHIFT);
  },
});

export function markdownToSafeHtml(text: string): string {
  const html = marked.parse(text, { async: false });
  return DOMPurify.sanitize(html, { FORBID_TAGS: [...FORBID_TAGS, ...PANEL_HEADINGS], FORBID_ATTR: ["style", "class", "id"], ALLOW_DATA_ATTR: false });
}

/** Render markdown into `el`, replacing its content. */
export function setMarkdown(el: HTMLElement, text: string): void {
  el.innerHTML = markdownToSafeHtml(text);
}
