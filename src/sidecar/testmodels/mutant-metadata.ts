// Metadata values llama.cpp asserts on (or may): the fuzz corpus's "metadata-values" class, each a key set to a
// value that is well-formed GGUF but wrong for the model, as in issue #22's crashes (expert counts on a dense
// model, NaN or negative epsilon, unknown RoPE scaling or tokenizer, bad token ids and types), and its
// "templates" class: chat templates that are fine, throw, loop, recurse or allocate without bound.

import { meta } from "../gguf/metadata";
import { GgufValueType, type GgufValue } from "../gguf/types";
import type { Rng } from "../random";
import type { ModelParts } from "./mutant-parts";

type Edit = (rng: Rng, vocab: number) => [key: string, value: GgufValue | undefined];

const EDITS: Edit[] = [
  (r) => ["llama.expert_count", meta.u32(1 + Math.floor(r() * 8))],
  (r) => ["llama.expert_used_count", meta.u32(1 + Math.floor(r() * 4))],
  (r) => ["llama.attention.layer_norm_rms_epsilon", meta.f32([NaN, -1e-5, 0, Infinity, -Infinity][Math.floor(r() * 5)]!)],
  (r) => ["llama.rope.scaling.type", meta.str(["bogus", "", "yarn2", "LINEAR", "longrope"][Math.floor(r() * 5)]!)],
  (r) => ["llama.rope.scaling.factor", meta.f32([NaN, -2, 0, 1e30][Math.floor(r() * 4)]!)],
  (r) => ["llama.rope.freq_base", meta.f32([NaN, 0, -10000, Infinity][Math.floor(r() * 4)]!)],
  (r) => ["tokenizer.ggml.model", meta.str(["unknown", "llama", "bert", "t5", "rwkv", "plamo2", ""][Math.floor(r() * 7)]!)],
  (r) => ["tokenizer.ggml.pre", meta.str(["not-a-pre", "", "llama3", "qwen2", "deepseek-coder"][Math.floor(r() * 5)]!)],
  (r) => ["llama.attention.head_count_kv", meta.u32([0, 3, 64, 1][Math.floor(r() * 4)]!)],
  (r) => ["llama.context_length", meta.u32([1, 2, 0xffffffff, 7][Math.floor(r() * 4)]!)],
  (r) => ["llama.rope.dimension_count", meta.u32([0, 2, 14, 64, 1000][Math.floor(r() * 5)]!)],
  (r) => ["llama.attention.key_length", meta.u32([0, 8, 15, 32, 1 << 20][Math.floor(r() * 5)]!)],
  (r) => ["llama.attention.value_length", meta.u32([0, 8, 15, 32][Math.floor(r() * 4)]!)],
  (r, v) => ["tokenizer.ggml.bos_token_id", meta.i32([-2, v, v + 10, 0x7fffffff][Math.floor(r() * 4)]!)],
  (r, v) => ["tokenizer.ggml.eos_token_id", meta.u32([v, 0xfffffffe, v + 1][Math.floor(r() * 3)]!)],
  (r, v) => ["tokenizer.ggml.token_type", meta.i32s(Array.from({ length: v }, (_, i) => (i % 7 === 0 ? [0, 7, 99, -1][Math.floor(r() * 4)]! : 1)))],
  (r, v) => ["tokenizer.ggml.scores", meta.f32s(Array.from({ length: v }, () => (r() < 0.1 ? NaN : -r())))],
  () => ["tokenizer.ggml.merges", meta.strings(["a b", "Ġ x", "bad", "c d e"])],
  (r) => ["llama.vocab_size", meta.u32([1, 100, 100000][Math.floor(r() * 3)]!)],
  (r) => ["llama.attention.sliding_window", meta.u32([0, 1, 0xffffffff][Math.floor(r() * 3)]!)],
  (r) => ["general.architecture", meta.str(["gpt2", "bert", "mamba", "unknown-arch", "qwen3moe", "gemma3"][Math.floor(r() * 6)]!)],
  (r) => ["split.count", meta.u16([0, 1, 2][Math.floor(r() * 3)]!)],
  (r) => ["llama.expert_shared_count", meta.u32(1 + Math.floor(r() * 2))],
  (r) => ["tokenizer.ggml.add_bos_token", meta.bool(r() < 0.5)],
  (r) => ["llama.attention.clamp_kqv", meta.f32([NaN, -1, 0][Math.floor(r() * 3)]!)],
  (r) => ["llama.feed_forward_length", meta.u32([0, 1, 63, 65][Math.floor(r() * 4)]!)],
  (r) => ["tokenizer.ggml.padding_token_id", meta.u32([0xffffffff, 300, 5][Math.floor(r() * 3)]!)],
  () => ["tokenizer.ggml.tokens", undefined],
];

/** Applies edit number `n` (cycling through the list, values from `rng`); returns what it changed. */
export function metadataMutations(p: ModelParts, rng: Rng, n: number): string {
  const tokens = p.metadata.get("tokenizer.ggml.tokens");
  const vocab = tokens?.type === GgufValueType.ARRAY ? tokens.value.length : 0;
  const [key, value] = EDITS[n % EDITS.length]!(rng, vocab);
  if (value === undefined) p.metadata.delete(key);
  else p.metadata.set(key, value);
  return value === undefined ? `${key} removed` : `${key} = ${describe(value)}`;
}

function describe(v: GgufValue): string {
  if (v.type === GgufValueType.ARRAY) return `[${v.value.length} values]`;
  return JSON.stringify(typeof v.value === "bigint" ? String(v.value) : v.value) ?? String(v.value);
}

/** Templates from a model file: the first are fine, the rest hostile in a different way each. */
export const TEMPLATES: readonly { name: string; template: string; hostile: boolean }[] = [
  {
    name: "chatml",
    hostile: false,
    template:
      "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}",
  },
  { name: "plain", hostile: false, template: "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}assistant:" },
  { name: "nested-loop", hostile: true, template: "{% for i in range(100000000) %}{% for j in range(100000000) %}{% endfor %}{% endfor %}x" },
  { name: "huge-range", hostile: true, template: "{% for i in range(4000000000) %}{% endfor %}" },
  { name: "recursion", hostile: true, template: "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(1) }}" },
  { name: "doubling", hostile: true, template: "{% set ns = namespace(x='ab') %}{% for i in range(60) %}{% set ns.x = ns.x + ns.x %}{% endfor %}{{ ns.x }}" },
  { name: "per-message-loop", hostile: true, template: "{% for m in messages %}{% for i in range(50000000) %}{{ m['content'] }}{% endfor %}{% endfor %}" },
  { name: "raise", hostile: true, template: "{{ raise_exception('templates must not be trusted') }}" },
  { name: "syntax", hostile: true, template: "{% for m in messages %}{{ m['content'] }" },
  { name: "big-output", hostile: true, template: "{% for i in range(3000000) %}0123456789{% endfor %}" },
  { name: "undefined", hostile: true, template: "{{ messages[99]['content'].upper() }}{{ nothing.at.all() }}" },
];

export function templateMutations(p: ModelParts, n: number): string {
  const t = TEMPLATES[n % TEMPLATES.length]!;
  p.metadata.set("tokenizer.chat_template", meta.str(t.template));
  return `chat template ${t.name}${t.hostile ? " (hostile)" : ""}`;
}
