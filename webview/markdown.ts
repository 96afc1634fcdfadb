// Model text → safe HTML. Model output is untrusted (it may echo code under review, or be steered by it), so
// every piece goes through marked and then DOMPurify before it becomes HTML; nothing else in the panel uses
// innerHTML.

import DOMPurify from "dompurify";
import { marked } from "marked";

const FORBID_TAGS = ["style", "form", "input", "button", "textarea", "select", "option", "iframe", "object", "embed", "svg", "math", "img", "video", "audio", "link", "meta", "base"];

export function markdownToSafeHtml(text: string): string {
  const html = marked.parse(text, { async: false, gfm: true }) as string;
  return DOMPurify.sanitize(html, { FORBID_TAGS, FORBID_ATTR: ["style", "class", "id"], ALLOW_DATA_ATTR: false });
}

/** Render markdown into `el`, replacing its content. */
export function setMarkdown(el: HTMLElement, text: string): void {
  el.innerHTML = markdownToSafeHtml(text);
}
