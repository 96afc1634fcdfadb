// Error bodies a server sends are quoted escaped and capped (issue #22, item 5). A proxy in front of a model server
// answers a 502 with a whole HTML page, and an error may echo back text the client sent (a model name of 100 KB);
// either can carry ESC sequences that clear a terminal or retitle its window when the CLI prints the message.
import assert from "node:assert/strict";
import { test } from "node:test";
import { APIError } from "openai";
import { classifyError, type ErrorContext } from "../../../src/core/providers/classify";

const openai: ErrorContext = { provider: "openai", endpoint: "https://api.example.com/v1", model: "gpt-x", hasApiKey: true };
const ollama: ErrorContext = { provider: "ollama", endpoint: "http://127.0.0.1:11434", model: "qwen2.5-coder:1.5b" };
const HOSTILE = `\u001b]0;pwned\u0007\u001b[2J<html>${"<p>busy</p>".repeat(11_000)}</html>`; // ~120 KB

void test("a 120 KB error body with terminal escapes becomes a short message with the escapes shown, not obeyed", () => {
  const errors = [
    // The openai SDK's APIError for a JSON error body, as its own factory builds it.
    classifyError(APIError.generate(502, { error: { message: HOSTILE } }, undefined, new Headers()), openai, undefined),
    classifyError(APIError.generate(400, { error: { message: HOSTILE } }, undefined, new Headers()), openai, undefined),
    // The ollama client's ResponseError: the body's "error" string as the message.
    classifyError(Object.assign(new Error(HOSTILE), { name: "ResponseError", error: HOSTILE, status_code: 500 }), ollama, undefined),
    // An error inside an otherwise fine stream (Ollama's {"error": …} line).
    classifyError(Object.assign(new Error(HOSTILE), { error: HOSTILE }), ollama, undefined),
  ];
  for (const e of errors) {
    assert.doesNotMatch(e.message, /[\u0000-\u001f]/, e.kind);
    assert.ok(e.message.length <= 1100, `${e.kind}: ${e.message.length} characters`);
    assert.match(e.message, /\\x1b\]0;pwned\\x07/);
  }
});
