// Ghost text from Ollama models with and without fill-in-the-middle, in a real VS Code. The stand-in Ollama answers
// /api/show as Ollama does: qwen2.5-coder lists "insert" (its template uses .Suffix), llama3.2 does not, and a
// suffix sent to llama3.2 would get 400 "… does not support insert" (ollama/ollama server/routes.go). Both must give
// ghost text: the first through `suffix`, the second from the prefix alone (raw), with a note in the Chorus log.
import * as assert from "node:assert/strict";
import type { RecordedRequest } from "../fixtures/fake-ollama";
import { typeAndAccept } from "./ghost-text";
import { uiTest, type Fakes, type Workbench } from "./harness";

const generates = (wb: Workbench, model: string): RecordedRequest[] => wb.fakes.ollama.requests.filter((r) => r.path === "/api/generate" && r.model === model);
const only = (fakes: Fakes, id: string, model: string): unknown[] => [
  { id, provider: "ollama", endpoint: fakes.ollama.url, model, tags: ["local", "fast", "code"] },
];

uiTest(
  "ollama FIM: a model with 'insert' gets the code after the cursor as a suffix, and its ghost text is accepted",
  async (wb) => {
    await typeAndAccept(wb, "qwen2.5-coder:1.5b", "single");
    const sent = generates(wb, "qwen2.5-coder:1.5b");
    assert.ok(sent.length > 0);
    assert.ok(
      sent.every((r) => typeof r.body?.suffix === "string" && r.body.raw === undefined),
      "every request was FIM through suffix",
    );
    assert.ok(
      sent.every((r) => r.body?.think === false),
      "completions never think",
    );
  },
  { settings: (fakes) => ({ "chorus.models": only(fakes, "fim-coder", "qwen2.5-coder:1.5b"), "chorus.modes.completion": "single" }) },
);

uiTest(
  "ollama FIM: a model without 'insert' still gives ghost text, from the prefix only, and the log says why",
  async (wb) => {
    await typeAndAccept(wb, "llama3.2:1b", "single");
    const sent = generates(wb, "llama3.2:1b");
    assert.ok(sent.length > 0);
    assert.ok(
      sent.every((r) => r.body?.suffix === undefined && r.body?.raw === true),
      "no suffix Ollama would refuse; raw prefix instead",
    );
    assert.match(String(sent[0]?.body?.prompt), /export const answer = $/, "the prompt is the code before the cursor");
    await wb.until("the Chorus log to explain the prefix-only completion", async () =>
      wb.chorusLog().includes("llama3.2:1b cannot fill in the middle in Ollama; Chorus completes from the prefix only"),
    );
  },
  { settings: (fakes) => ({ "chorus.models": only(fakes, "plain-llama", "llama3.2:1b"), "chorus.modes.completion": "single" }) },
);
