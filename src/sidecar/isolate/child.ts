// The disposable helper process (dist/chorus-isolate.mjs, or this file through tsx in tests). It reads requests
// (protocol.ts) from stdin one line at a time and answers each on stdout. A model that makes llama.cpp abort, or
// a template that exhausts the heap (this process runs with a small --max-old-space-size), ends this process and
// nothing else; the parent reports the request that was in flight as the cause and starts a fresh helper.

import { createInterface } from "node:readline";
import { nodeLlamaCpp } from "../registry/load-llama-lib";
import { getRuntime } from "../registry/llama-runtime";
import { renderChatInHelper } from "./chat-render";
import { RUNTIME_UNAVAILABLE_EXIT, type IsolateAnswer, type IsolateRequest, type ProbeRequest, type ProbeResult } from "./protocol";

/** Load the model, create a small context and decode one token: where llama.cpp's asserts live. */
async function probeModel(r: ProbeRequest): Promise<ProbeResult> {
  let llama;
  try {
    llama = await getRuntime({ gpu: r.gpu, verbose: true });
  } catch (e) {
    process.stderr.write(`llama.cpp could not start: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(RUNTIME_UNAVAILABLE_EXIT);
  }
  const model = await llama.loadModel({ modelPath: r.path, gpuLayers: r.gpu === false ? 0 : "auto" });
  try {
    // A small context: the asserts are in loading, building the graph and the first decode, not in its size.
    const context = await model.createContext({ contextSize: 32, threads: r.threads, sequences: 1 });
    try {
      const first = model.tokens.bos ?? model.tokenize("a")[0];
      if (first === undefined) throw new Error("the vocabulary gives no token to evaluate");
      const [evaluated] = await context.getSequence().controlledEvaluate([[first, { generateNext: { token: true } }]]);
      return { next: evaluated?.next?.token ?? null };
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}

function handle(r: IsolateRequest): Promise<unknown> {
  if (r.kind === "probe") return probeModel(r);
  if (r.kind === "chat") return renderChatInHelper(r);
  return Promise.reject(new Error(`unknown request kind ${String((r as { kind: unknown }).kind)}`));
}

function answer(a: IsolateAnswer): void {
  process.stdout.write(`${JSON.stringify(a)}\n`);
}

const lines = createInterface({ input: process.stdin });
// One request at a time: when this process dies, the parent knows which request killed it.
let queue = Promise.resolve();
lines.on("line", (line) => {
  queue = queue.then(async () => {
    let req: { id: number } & IsolateRequest;
    try {
      req = JSON.parse(line) as { id: number } & IsolateRequest;
    } catch {
      return;
    }
    try {
      answer({ id: req.id, ok: true, result: await handle(req) });
    } catch (e) {
      answer({ id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  });
});
lines.on("close", () => void queue.then(() => process.exit(0)));
// Ready once node-llama-cpp's code is loaded: the parent's time limits count from here, not from a slow start.
nodeLlamaCpp().then(
  () => process.stdout.write(`${JSON.stringify({ ready: true })}\n`),
  (e: unknown) => {
    process.stderr.write(`llama.cpp could not be loaded: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(RUNTIME_UNAVAILABLE_EXIT);
  },
);
