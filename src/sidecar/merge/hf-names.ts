// The Hugging Face name of a GGUF tensor, so that a mergekit plan's filters (substrings of Hugging Face names,
// mergekit/config.py evaluate_setting) select in a GGUF file exactly the tensors they select in mergekit:
// `self_attn` catches the attention projections (and Qwen3's q/k norms, which live under self_attn) but not
// `input_layernorm`; `mlp` catches the feed-forward projections but not `post_attention_layernorm`.
// The table is the reverse of llama.cpp's gguf-py/gguf/tensor_mapping.py for the llama-style families
// (llama, mistral, qwen2/3 and their MoE variants, gemma 1–3); a name outside it has no Hugging Face name.

/** Block tensors: GGUF stem → Hugging Face path inside `model.layers.N.`. */
const BLOCK: Record<string, string> = {
  attn_norm: "input_layernorm",
  attn_q: "self_attn.q_proj",
  attn_k: "self_attn.k_proj",
  attn_v: "self_attn.v_proj",
  attn_output: "self_attn.o_proj",
  attn_q_norm: "self_attn.q_norm",
  attn_k_norm: "self_attn.k_norm",
  post_attention_norm: "post_attention_layernorm",
  ffn_norm: "post_attention_layernorm",
  post_ffw_norm: "post_feedforward_layernorm",
  ffn_gate: "mlp.gate_proj",
  ffn_up: "mlp.up_proj",
  ffn_down: "mlp.down_proj",
  ffn_gate_inp: "mlp.gate",
  ffn_gate_exps: "mlp.experts.gate_proj",
  ffn_up_exps: "mlp.experts.up_proj",
  ffn_down_exps: "mlp.experts.down_proj",
  ffn_gate_shexp: "mlp.shared_expert.gate_proj",
  ffn_up_shexp: "mlp.shared_expert.up_proj",
  ffn_down_shexp: "mlp.shared_expert.down_proj",
};

/** Gemma 2 and 3 norm before and after the feed-forward block; llama.cpp stores the first as ffn_norm. */
const GEMMA_BLOCK: Record<string, string> = { ffn_norm: "pre_feedforward_layernorm" };
const GEMMA_SANDWICH = new Set(["gemma2", "gemma3"]);

const TOP: Record<string, string> = {
  token_embd: "model.embed_tokens",
  output_norm: "model.norm",
  output: "lm_head",
};

/** Every piece the Hugging Face names are made of, to tell a mergekit-style filter from a GGUF-style one. */
export const HF_NAME_PARTS: readonly string[] = ["model.layers.", ...Object.values(BLOCK), ...Object.values(GEMMA_BLOCK), ...Object.values(TOP)];

/** e.g. "blk.3.attn_q.weight" → "model.layers.3.self_attn.q_proj.weight"; undefined for a name not in the table. */
export function hfTensorName(ggufName: string, arch = ""): string | undefined {
  const block = /^blk\.(\d+)\.([a-z0-9_]+)\.(weight|bias)$/.exec(ggufName);
  if (block) {
    const [, layer, stem, kind] = block;
    const hf = (GEMMA_SANDWICH.has(arch) ? GEMMA_BLOCK[stem!] : undefined) ?? BLOCK[stem!];
    return hf === undefined ? undefined : `model.layers.${layer}.${hf}.${kind}`;
  }
  const top = /^([a-z_]+)\.(weight|bias)$/.exec(ggufName);
  const hf = top ? TOP[top[1]!] : undefined;
  return hf === undefined ? undefined : `${hf}.${top![2]}`;
}
