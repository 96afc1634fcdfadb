// Tensor presence and shape checks for the architectures whose layout Chorus knows exactly. Shapes are in ggml
// order (row length first). A wrong shape makes llama.cpp refuse the model at best; a message naming the tensor
// and both shapes is far easier to act on.
import type { GgufHeader, GgufTensorInfo } from "./types";
import type { LlamaHyperparameters } from "./validate";

/** Architectures that share llama's tensor names and shapes (separate q/k/v, gated FFN or llama-style MoE). */
const LLAMA_LAYOUT = new Set(["llama", "qwen2", "qwen3"]);

function shape(dims: readonly number[]): number[] {
  const out = [...dims];
  while (out.length > 1 && out[out.length - 1] === 1) out.pop();
  return out;
}

function fmt(dims: readonly number[]): string {
  return `[${dims.join(", ")}]`;
}

export function checkLlamaTensors(header: GgufHeader, hp: LlamaHyperparameters, problems: string[]): void {
  const byName = new Map<string, GgufTensorInfo>(header.tensors.map((t) => [t.name, t]));
  const expect = (name: string, dims: number[], required = true): boolean => {
    const t = byName.get(name);
    if (!t) {
      if (required) problems.push(`tensor ${name} is missing`);
      return false;
    }
    if (dims.some((d) => !Number.isFinite(d))) return true; // the hyperparameters are already reported as broken
    const got = shape(t.dims);
    const want = shape(dims);
    if (got.length !== want.length || got.some((d, i) => d !== want[i])) {
      problems.push(`tensor ${name} has shape ${fmt(t.dims)}, expected ${fmt(want)} from the metadata`);
    }
    return true;
  };

  const { nEmbd, nVocab } = hp;
  const embd = byName.get("token_embd.weight");
  if (!embd) problems.push("tensor token_embd.weight is missing");
  else if (embd.dims[0] !== nEmbd) problems.push(`tensor token_embd.weight has rows of ${embd.dims[0]}, but embedding_length is ${nEmbd}`);
  else if (nVocab !== undefined && embd.dims[1] !== nVocab) {
    problems.push(`tensor token_embd.weight has ${embd.dims[1]} rows, but the vocabulary has ${nVocab} tokens`);
  }
  if (!LLAMA_LAYOUT.has(hp.arch)) return;

  const vocab = nVocab ?? embd?.dims[1] ?? NaN;
  expect("output_norm.weight", [nEmbd]);
  expect("output.weight", [nEmbd, vocab], false); // absent means tied to token_embd
  const qDim = hp.nHead * hp.headDimK;
  const kDim = hp.nHeadKv * hp.headDimK;
  const vDim = hp.nHeadKv * hp.headDimV;
  for (let i = 0; i < hp.nLayer; i++) {
    const b = `blk.${i}`;
    expect(`${b}.attn_norm.weight`, [nEmbd]);
    expect(`${b}.attn_q.weight`, [nEmbd, qDim]);
    expect(`${b}.attn_k.weight`, [nEmbd, kDim]);
    expect(`${b}.attn_v.weight`, [nEmbd, vDim]);
    expect(`${b}.attn_output.weight`, [hp.nHead * hp.headDimV, nEmbd]);
    expect(`${b}.ffn_norm.weight`, [nEmbd]);
    if (byName.has(`${b}.ffn_gate_inp.weight`)) continue; // mixture of experts: expert tensor shapes vary by model
    const ff = hp.nFf[i] ?? NaN;
    expect(`${b}.ffn_gate.weight`, [nEmbd, ff]);
    expect(`${b}.ffn_up.weight`, [nEmbd, ff]);
    expect(`${b}.ffn_down.weight`, [ff, nEmbd]);
    if (problems.length > 20) {
      problems.push("(more problems not listed)");
      return;
    }
  }
}
