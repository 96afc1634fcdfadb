// Collaboration beats the best single model: a product of a TypeScript expert and a Python expert (bigram GGUFs
// trained on the project's corpora) scores mixed held-out code — files in neither training set — better than
// either expert alone. Scored by real llama.cpp through mixer.score, and checked against the bigram tables.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createMixer, type Mixer } from "../../../src/sidecar/mixing/mixer";
import type { MixSpec } from "../../../src/sidecar/mixing/spec";
import { BOS_ID, byteTokens } from "../../../src/sidecar/testmodels/byte-vocab";
import { CORPORA, corpusFrom, loaded, logSumExp, makeTestBed, type TestBed, TRAIN_PY, TRAIN_TS } from "./helpers";

// The first 1200 bytes of each held-out file: most of each, and it bounds the test's time on a shared machine.
const HELD_OUT = [...corpusFrom(join(CORPORA, "typescript/heldout"), ".txt"), ...corpusFrom(join(CORPORA, "python/heldout"), ".txt")].map((t) =>
  t.slice(0, 1200),
);
let bed: TestBed;

before(async () => {
  bed = await makeTestBed({
    ts: { corpus: TRAIN_TS },
    py: { corpus: TRAIN_PY },
  });
});
after(async () => bed?.dispose());

/** Cross-entropy (nats per token) over every held-out file, each scored from the start of the text. */
async function crossEntropy(spec: MixSpec): Promise<number> {
  const mixer: Mixer = await createMixer(spec, loaded(bed));
  try {
    let total = 0;
    let count = 0;
    for (const text of HELD_OUT) {
      const r = await mixer.score({ text });
      total += r.crossEntropy * r.logprobs.length;
      count += r.logprobs.length;
    }
    return total / count;
  } finally {
    await mixer.dispose();
  }
}

/** The same from the tables alone: weights over (ts, py), renormalised over the vocabulary. */
function tableCrossEntropy(wTs: number, wPy: number): number {
  let total = 0;
  let count = 0;
  for (const text of HELD_OUT) {
    let prev = BOS_ID;
    for (const next of byteTokens(text)) {
      const ts = bed.models.ts!.table.row(prev);
      const py = bed.models.py!.table.row(prev);
      const mixed = ts.map((lp, t) => wTs * lp + wPy * py[t]!);
      total -= mixed[next]! - logSumExp(mixed);
      count++;
      prev = next;
    }
  }
  return total / count;
}

const product = (wTs: number, wPy: number): MixSpec => ({
  strategy: "product",
  models: [
    { model: "ts", weight: wTs },
    { model: "py", weight: wPy },
  ],
  topK: "all",
});

void test("a TypeScript × Python product of experts has lower cross-entropy on mixed held-out code than either expert", async () => {
  const tsAlone = await crossEntropy(product(1, 0));
  const pyAlone = await crossEntropy(product(0, 1));
  const both = await crossEntropy(product(0.5, 0.5));
  // llama.cpp's numbers are the tables' numbers (the scoring path is exact with K = all).
  assert.ok(Math.abs(tsAlone - tableCrossEntropy(1, 0)) < 1e-4, `ts: ${tsAlone} vs ${tableCrossEntropy(1, 0)}`);
  assert.ok(Math.abs(pyAlone - tableCrossEntropy(0, 1)) < 1e-4, `py: ${pyAlone} vs ${tableCrossEntropy(0, 1)}`);
  assert.ok(Math.abs(both - tableCrossEntropy(0.5, 0.5)) < 1e-4, `product: ${both} vs ${tableCrossEntropy(0.5, 0.5)}`);
  assert.ok(both < Math.min(tsAlone, pyAlone), `product ${both.toFixed(4)} nats/token vs TypeScript ${tsAlone.toFixed(4)}, Python ${pyAlone.toFixed(4)}`);
});

void test("each expert is better on its own language (the experts really are experts)", async () => {
  const mixer = await createMixer(product(1, 0), loaded(bed));
  const pyMixer = await createMixer(product(0, 1), loaded(bed));
  try {
    const [tsFile, pyFile] = [HELD_OUT[0]!, HELD_OUT[HELD_OUT.length - 1]!];
    assert.ok((await mixer.score({ text: tsFile })).crossEntropy < (await pyMixer.score({ text: tsFile })).crossEntropy);
    assert.ok((await pyMixer.score({ text: pyFile })).crossEntropy < (await mixer.score({ text: pyFile })).crossEntropy);
  } finally {
    await mixer.dispose();
    await pyMixer.dispose();
  }
});
