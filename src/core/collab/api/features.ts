// Features of a request for the router and the cascade's answer scorer. Everything is a named feature hashed
// into a fixed-size space, so the learned model's size never grows with vocabulary and a user's model stays
// small on disk. Names are kept next to the hashes so a decision can be explained in words.
//
// The cues beyond n-grams (length, digits, math symbols, multiple-choice shape, reasoning words, negations)
// are there because they carry over to subjects and files the model has never seen; n-grams alone mostly
// memorise topics.

import { addChoiceCues } from "./choice-cues";

export const FEATURE_BITS = 18;
const MASK = (1 << FEATURE_BITS) - 1;

/** A sparse feature vector: parallel arrays of hashed index, value and (for explanations) the feature's name. */
export interface FeatureVector {
  idx: number[];
  val: number[];
  name: string[];
}

export interface RequestFeaturesInput {
  text: string;
  surface: "completion" | "ask" | "review" | "bench";
  languageId?: string;
  filePath?: string;
  /** Inline completions: what the cursor looks like. */
  cursor?: { atLineEnd: boolean; multiline: boolean; prefixChars: number; suffixChars: number };
  /** Optional embedding of the text from a configured embedding model. */
  embedding?: number[];
  /** Which model made `embedding`: its dimensions mean nothing to another model's weights. */
  embeddingModel?: string;
}

/** FNV-1a, 32-bit: fast, stable across runs and platforms (the persisted model depends on it). */
export function hashName(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & MASK;
}

export class FeatureBuilder {
  private readonly map = new Map<string, number>();

  add(name: string, value = 1): void {
    if (value === 0 || !Number.isFinite(value)) return;
    this.map.set(name, (this.map.get(name) ?? 0) + value);
  }

  /** Add a group of sparse features scaled so the group's total weight is `weight` whatever the text length. */
  addGroup(prefix: string, items: string[], weight: number): void {
    if (items.length === 0) return;
    const scale = weight / Math.sqrt(items.length);
    for (const it of items) this.add(`${prefix}:${it}`, scale);
  }

  build(): FeatureVector {
    const v: FeatureVector = { idx: [], val: [], name: [] };
    for (const [name, value] of this.map) {
      v.idx.push(hashName(name));
      v.val.push(value);
      v.name.push(name);
    }
    return v;
  }
}

const WORD_RE = /[a-z][a-z0-9']*|[0-9]+(?:\.[0-9]+)?/g;
const REASONING_WORDS = ["why", "explain", "prove", "derive", "calculate", "compute", "design", "compare", "step", "analyze", "analyse", "evaluate", "implement", "refactor", "optimize", "debug", "architecture", "tradeoff", "trade-off", "justify"];
const NEGATION_RE = /\b(NOT|EXCEPT|LEAST|FALSE|INCORRECT)\b/;
const MATH_RE = /[=+\-*/^√∑∫≤≥<>]|\\frac|\bsqrt\b|\bmod\b|\blog\b/g;

export function words(text: string): string[] {
  return text.toLowerCase().match(WORD_RE) ?? [];
}

function bucket(x: number, base = 2): number {
  return x <= 0 ? 0 : Math.floor(Math.log(x) / Math.log(base)) + 1;
}

/** Dense cues that describe how hard a prompt looks, independent of its topic. */
export function addDifficultyCues(f: FeatureBuilder, text: string, ws: string[]): void {
  const chars = text.length;
  f.add("len:log", Math.log1p(chars) / 8);
  f.add(`len:bin${Math.min(12, bucket(chars))}`);
  f.add("words:log", Math.log1p(ws.length) / 6);
  const digits = (text.match(/[0-9]/g) ?? []).length;
  f.add("digits:share", (digits / Math.max(1, chars)) * 10);
  f.add(`numbers:bin${Math.min(6, bucket((text.match(/[0-9]+(?:\.[0-9]+)?/g) ?? []).length))}`);
  const math = (text.match(MATH_RE) ?? []).length;
  f.add(`math:bin${Math.min(6, bucket(math))}`);
  const lines = text.split("\n");
  f.add(`lines:bin${Math.min(8, bucket(lines.length))}`);
  const options = lines.filter((l) => /^\s*[A-J][.)]\s/.test(l));
  if (options.length >= 2) {
    f.add("mc:present");
    const optLen = options.reduce((s, l) => s + l.length, 0) / options.length;
    f.add(`mc:optlen${Math.min(8, bucket(optLen))}`);
    if (options.some((l) => /\b(true|false|wrong|not wrong)\b/i.test(l))) f.add("mc:truthvalue");
    if (options.every((l) => /^\s*[A-J][.)]\s*[-0-9.,/ ()$%√πe^x]+\s*$/.test(l))) f.add("mc:numeric");
  }
  if (/statement 1|scenario 1/i.test(text)) f.add("shape:two-statements");
  if (NEGATION_RE.test(text)) f.add("shape:negation");
  if (/\?\s*$/.test(text.replace(/Answer:\s*$/, "").trim())) f.add("shape:question");
  const sentences = text.split(/[.!?]\s/).length;
  f.add(`sentences:bin${Math.min(8, bucket(sentences))}`);
  const longWords = ws.filter((w) => w.length >= 10).length;
  f.add("longwords:share", (longWords / Math.max(1, ws.length)) * 5);
  const set = new Set(ws);
  for (const r of REASONING_WORDS) if (set.has(r)) f.add(`cue:${r}`);
  if (/```|[{};]\s*$/m.test(text)) f.add("shape:code");
  if (/\b(if|when|given that|suppose|assume)\b/i.test(text)) f.add("shape:conditional");
}

/** Features of a request before any model has answered. */
export function requestFeatures(input: RequestFeaturesInput): FeatureVector {
  return requestBuilder(input, false).build();
}

/**
 * The router's features: the request's, plus cues from how a question and its options are shaped. Those help
 * the router on unseen subjects (APGR +0.01) but cost the cascade's answer scorer as much on GSM8K (0.84 → 0.82),
 * where the weak answer says more than the question's shape, so only the router gets them.
 */
export function routerFeatures(input: RequestFeaturesInput): FeatureVector {
  return requestBuilder(input, true).build();
}

function requestBuilder(input: RequestFeaturesInput, choiceCues: boolean): FeatureBuilder {
  const f = new FeatureBuilder();
  f.add("bias");
  const ws = words(input.text);
  addDifficultyCues(f, input.text, ws);
  if (choiceCues) addChoiceCues(f, input.text);
  f.addGroup("w", [...new Set(ws)], 1);
  const bigrams: string[] = [];
  for (let i = 1; i < ws.length; i++) bigrams.push(`${ws[i - 1]}_${ws[i]}`);
  f.addGroup("w2", [...new Set(bigrams)], 0.3);
  f.addGroup("c4", charNgrams(ws, 4), 0.3);
  f.add(`surface:${input.surface}`);
  if (input.languageId) f.add(`lang:${input.languageId}`);
  const ext = input.filePath?.match(/\.([A-Za-z0-9]+)$/)?.[1]?.toLowerCase();
  if (ext) f.add(`ext:${ext}`);
  if (input.cursor) {
    f.add(input.cursor.atLineEnd ? "cursor:line-end" : "cursor:mid-line");
    f.add(input.cursor.multiline ? "cursor:multiline" : "cursor:single-line");
    f.add(`cursor:prefix${Math.min(14, bucket(input.cursor.prefixChars))}`);
    f.add(`cursor:suffix${Math.min(14, bucket(input.cursor.suffixChars))}`);
  }
  if (input.embedding) addEmbedding(f, input.embedding, input.embeddingModel ?? "default");
  return f;
}

/**
 * Embedding dimensions as features, scaled to unit length so the group weighs about as much as the n-grams
 * whatever the model's scale, and named by model so switching embedding models starts fresh weights instead of
 * reading the old model's dimensions as the new one's.
 */
function addEmbedding(f: FeatureBuilder, v: number[], model: string): void {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  if (!(norm > 0)) return;
  v.forEach((x, i) => f.add(`emb:${model}:${i}`, x / norm));
}

/** Character n-grams inside words, each word padded, deduplicated: morphology that transfers across topics. */
function charNgrams(ws: string[], n: number): string[] {
  const out = new Set<string>();
  for (const w of ws) {
    if (w.length < 3) continue;
    const p = `<${w}>`;
    for (let i = 0; i + n <= p.length; i++) out.add(p.slice(i, i + n));
  }
  return [...out];
}
