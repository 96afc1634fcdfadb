// The anchor for merge speed: llama.cpp's own conversion of a float model to Q4_K_M (llama_model_quantize, one
// thread, in the libraries node-llama-cpp ships, driven through test/fixtures/ggml-reference.py) against Chorus
// merging two Q4_K_M models of the same shape into Q4_K_M on one thread (`linear`, no encoding workers). Both write
// a Q4_K_M file of the same tensors with llama.cpp's blocks; llama.cpp only has to encode, Chorus also reads two
// models, decodes and sums them. Raw read+write is not the yardstick here: encoding k-quants costs far more than
// moving bytes (bench/merge-kquant-results.md).
//   node --import tsx bench/merge-vs-llama-quantize.ts [--size-mb 120] [--repeats 3]
// Prints JSON: wall seconds of each run (alternating), their medians and the ratio merge / quantize (< 1: the merge
// of two models takes less time than llama.cpp's quantization of one). Needs python3; the load average is reported.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { generateModel, shapeFor } from "../src/bench/merge";
import { planFromFlags } from "../src/sidecar/merge/plan-from-flags";
import { runMerge } from "../src/sidecar/merge/run";
import { llamaQuantizeModel, unavailable } from "../test/unit/gguf/ggml-reference";

/** llama.h: LLAMA_FTYPE_MOSTLY_Q4_K_M. */
const FTYPE_Q4_K_M = 15;

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function seconds(f: () => unknown): Promise<number> {
  const start = performance.now();
  await f();
  return (performance.now() - start) / 1000;
}

async function main(): Promise<void> {
  if (unavailable) throw new Error(`llama.cpp's quantizer cannot be driven here: ${unavailable}`);
  const sizeMb = flag("--size-mb", 120);
  const repeats = flag("--repeats", 3);
  const dir = mkdtempSync(join(tmpdir(), "chorus-merge-anchor-"));
  try {
    const quantShape = shapeFor(sizeMb, "q4_k_m");
    const [a, b, float] = [join(dir, "a.gguf"), join(dir, "b.gguf"), join(dir, "float.gguf")];
    await generateModel(a, quantShape, 1, "q4_k_m");
    await generateModel(b, quantShape, 2, "q4_k_m");
    await generateModel(float, quantShape, 3, "f16");
    const quantize: number[] = [];
    const merge: number[] = [];
    for (let r = 0; r < repeats; r++) {
      quantize.push(await seconds(() => llamaQuantizeModel(float, join(dir, "quantized.gguf"), FTYPE_Q4_K_M)));
      const plan = planFromFlags({ method: "linear", models: [a, b], weights: [0.5, 0.5], dtype: "q4_k_m" });
      merge.push(await seconds(() => runMerge({ plan, out: join(dir, "merged.gguf"), encodeThreads: 0, verifyOutput: async () => undefined })));
    }
    const mb = (f: string) => Math.round(statSync(join(dir, f)).size / 1e5) / 10;
    console.log(
      JSON.stringify(
        {
          benchmark: "merge-vs-llama-quantize",
          layers: quantShape.layers,
          input_mb: { each_q4_k_m: mb("a.gguf"), float_f16: mb("float.gguf") },
          output_mb: { llama_quantize: mb("quantized.gguf"), chorus_merge: mb("merged.gguf") },
          threads: 1,
          llama_quantize_s: quantize.map((s) => Number(s.toFixed(2))),
          chorus_merge_s: merge.map((s) => Number(s.toFixed(2))),
          median_s: { llama_quantize: Number(median(quantize).toFixed(2)), chorus_merge: Number(median(merge).toFixed(2)) },
          merge_over_quantize: Number((median(merge) / median(quantize)).toFixed(3)),
          paired_ratios: merge.map((m, i) => Number((m / quantize[i]!).toFixed(3))),
          load_average_1m: Number((loadavg()[0] ?? 0).toFixed(2)),
        },
        null,
        2,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
