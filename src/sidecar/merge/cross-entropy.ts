// How well a model predicts a sample of text: mean −log₂ P(token | preceding tokens), measured in real llama.cpp.
// Only the true next token's logit, the largest logit and the total logit weight are fetched per position, so the cost
// does not grow with the vocabulary (a full logit map is ~0.3 µs per entry per step).
import type { Token } from "node-llama-cpp";
import { getRuntime } from "../registry/llama-runtime";

export interface CrossEntropyOptions {
  /** llama.cpp CPU threads (set explicitly: its default oversubscribes small machines). */
  threads: number;
  /** Tokens per evaluation window (default 512); longer texts are split. */
  contextSize?: number;
  gpu?: "auto" | false;
  signal?: AbortSignal;
}

export interface CrossEntropy {
  /** Mean bits per predicted token. */
  bitsPerToken: number;
  /** Bits per byte of text: comparable across tokenizers. */
  bitsPerByte: number;
  tokens: number;
}

export async function crossEntropy(modelPath: string, texts: readonly string[], o: CrossEntropyOptions): Promise<CrossEntropy> {
  const llama = await getRuntime({ gpu: o.gpu ?? false });
  const model = await llama.loadModel({ modelPath });
  const window = o.contextSize ?? 512;
  try {
    const context = await model.createContext({ contextSize: window, threads: o.threads, batchSize: window });
    try {
      const sequence = context.getSequence();
      let nats = 0;
      let tokens = 0;
      let bytes = 0;
      const bos = model.tokens.bos;
      for (const text of texts) {
        if (!text) continue;
        bytes += Buffer.byteLength(text, "utf8");
        const all = model.tokenize(text);
        // Each window starts from BOS, as the text would at the start of a file; its tokens are all predicted.
        for (let start = 0; start < all.length; start += window - 1) {
          o.signal?.throwIfAborted();
          const piece = all.slice(start, start + window - 1);
          const inputs = bos === null ? piece.slice(0, -1) : [bos, ...piece.slice(0, -1)];
          const targets = bos === null ? piece.slice(1) : piece;
          await sequence.clearHistory();
          const items = inputs.map((t, i) => [
            t,
            // totalLogitWeight is Σ exp(logit − max); includeTop: 1 brings the max logit along (includeMax, in
            // node-llama-cpp 3.22, does not add it to the filtered map).
            { generateNext: { logits: { filter: { tokens: [targets[i]!], includeTop: 1 } }, totalLogitWeight: true } },
          ]) as unknown as Parameters<typeof sequence.controlledEvaluate>[0];
          const out = await sequence.controlledEvaluate(items);
          out.forEach((r, i) => {
            const next = r?.next as { logits?: Map<Token, number>; totalLogitWeight?: number } | undefined;
            const logit = next?.logits?.get(targets[i]!);
            const max = next?.logits ? Math.max(...next.logits.values()) : undefined;
            if (logit === undefined || max === undefined || next?.totalLogitWeight === undefined) throw new Error("llama.cpp returned no logits");
            nats += max + Math.log(next.totalLogitWeight) - logit;
            tokens++;
          });
        }
      }
      if (tokens === 0) throw new Error("the sample has no text to evaluate");
      return { bitsPerToken: nats / tokens / Math.LN2, bitsPerByte: nats / bytes / Math.LN2, tokens };
    } finally {
      await context.dispose();
    }
  } finally {
    await model.dispose();
  }
}
