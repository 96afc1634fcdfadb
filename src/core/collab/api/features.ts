// Features of a request for the router and the cascade's answer scorer. Everything is a named feature hashed
// into a fixed-size space, so the learned model's size never grows with vocabulary and a user's model stays
// small on disk. Each feature can still be named, so a decision can be explained in words.
//
// The cues beyond n-grams (length, digits, math symbols, multiple-choice shape, reasoning words, negations)
// are there because they carry over to subjects and files the model has never seen; n-grams alone mostly
// memorise topics.

import { addChoiceCues } from "./choice-cues";

export const FEATURE_BITS = 18;
const MASK = (1 << FEATURE_BITS) - 1;

/**
 * A sparse feature vector: parallel arrays of hashed index and value. Names are spelled only when asked for (an
 * explanation names the top three drivers of a decision): every keystroke's completion builds one of these, and
 * spelling hundreds of "c4:<fo" strings per request was most of the router's time and memory.
 */
export class FeatureVector {
  private spelled: string[] | undefined;

  constructor(
    readonly idx: number[],
    readonly val: number[],
    private readonly spell: (i: number) => string,
  ) {}

  /** The i-th feature's name, e.g. `w:prove` or `len:bin9`. */
  nameOf(i: number): string {
    return this.spell(i);
  }

  /** Every feature's name, in order (tests and offline analysis; the request path uses nameOf). */
  get name(): string[] {
    this.spelled ??= this.idx.map((_, i) => this.spell(i));
    return this.spelled;
  }

  /** This vector's features followed by `other`'s. */
  concat(other: FeatureVector): FeatureVector {
    const n = this.idx.length;
    return new FeatureVector([...this.idx, ...other.idx], [...this.val, ...other.val], (i) => (i < n ? this.spell(i) : other.spell(i - n)));
  }

  /** Only the features at `keep`, in that order. */
  select(keep: number[]): FeatureVector {
    return new FeatureVector(
      keep.map((j) => this.idx[j]!),
      keep.map((j) => this.val[j]!),
      (i) => this.spell(keep[i]!),
    );
  }
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

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over `s`, continuing from the state `h`: hashing "w:" then "prove" equals hashing "w:prove". */
function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** FNV-1a, 32-bit: fast, stable across runs and platforms (the persisted model depends on it). */
export function hashName(s: string): number {
  return (fnv(FNV_OFFSET, s) >>> 0) & MASK;
}

// How a feature's name is spelled from what the builder kept: a kind, a group, one or two strings, a slice.
const enum Spelling {
  /** `a` is the whole name. */
  Whole,
  /** `group:a`. */
  Item,
  /** `group:a_b` (a word bigram). */
  Pair,
  /** `group:` and `len` characters of `<a>` from `from` (a character n-gram of a padded word). */
  Slice,
}

/**
 * Collects named features. Groups of words, bigrams and character n-grams are hashed from the words themselves,
 * never concatenated into name strings; equal names are merged by their full 32-bit hash.
 */
export class FeatureBuilder {
  /** Full 32-bit hash → position in the arrays below. */
  private readonly at = new Map<number, number>();
  private readonly hash: number[] = [];
  private readonly value: number[] = [];
  private readonly kind: Spelling[] = [];
  private readonly group: string[] = [];
  private readonly a: string[] = [];
  private readonly b: string[] = [];
  private readonly from: number[] = [];
  private readonly len: number[] = [];

  add(name: string, value = 1): void {
    this.put(fnv(FNV_OFFSET, name), value, Spelling.Whole, "", name, "", 0, 0);
  }

  /** A group of sparse features scaled so the group's total weight is `weight` whatever the text length. */
  addGroup(group: string, items: string[], weight: number): void {
    const unique = new Set(items);
    if (unique.size === 0) return;
    const scale = weight / Math.sqrt(unique.size);
    const g = groupHash(group);
    for (const it of unique) this.put(fnv(g, it), scale, Spelling.Item, group, it, "", 0, 0);
  }

  /** Adjacent word pairs `a_b`, deduplicated, as one group. */
  addBigrams(group: string, ws: string[], weight: number): void {
    const g = groupHash(group);
    const pair = (i: number): number => fnv(fnv(fnv(g, ws[i - 1]!), "_"), ws[i]!);
    // Two passes over the same hashes: the first counts distinct pairs for the group's scale, the second adds each
    // at its first occurrence (deleting it from the set) so no list of pairs is ever built.
    const distinct = new Set<number>();
    for (let i = 1; i < ws.length; i++) distinct.add(pair(i));
    const scale = weight / Math.sqrt(distinct.size);
    for (let i = 1; i < ws.length; i++) {
      const h = pair(i);
      if (distinct.delete(h)) this.put(h, scale, Spelling.Pair, group, ws[i - 1]!, ws[i]!, 0, 0);
    }
  }

  /** Character n-grams inside each word of at least 3 letters, padded `<word>`, deduplicated: morphology. */
  addCharNgrams(group: string, ws: string[], n: number, weight: number): void {
    const g = groupHash(group);
    const distinct = new Set<number>();
    for (const w of ws) if (w.length >= 3) for (let i = 0; i + n <= w.length + 2; i++) distinct.add(paddedHash(g, w, i, n));
    const scale = weight / Math.sqrt(distinct.size);
    for (const w of ws) {
      if (w.length < 3) continue;
      for (let i = 0; i + n <= w.length + 2; i++) {
        const h = paddedHash(g, w, i, n);
        if (distinct.delete(h)) this.put(h, scale, Spelling.Slice, group, w, "", i, n);
      }
    }
  }

  build(): FeatureVector {
    const { hash, value, kind, group, a, b, from, len } = this;
    const spell = (i: number): string => {
      switch (kind[i]!) {
        case Spelling.Whole:
          return a[i]!;
        case Spelling.Item:
          return `${group[i]}:${a[i]}`;
        case Spelling.Pair:
          return `${group[i]}:${a[i]}_${b[i]}`;
        case Spelling.Slice:
          return `${group[i]}:${`<${a[i]}>`.slice(from[i]!, from[i]! + len[i]!)}`;
      }
    };
    return new FeatureVector(
      hash.map((h) => (h >>> 0) & MASK),
      value.slice(),
      spell,
    );
  }

  private put(h: number, value: number, kind: Spelling, group: string, a: string, b: string, from: number, len: number): void {
    if (value === 0 || !Number.isFinite(value)) return;
    const j = this.at.get(h);
    if (j !== undefined) {
      this.value[j]! += value;
      return;
    }
    this.at.set(h, this.hash.length);
    this.hash.push(h);
    this.value.push(value);
    this.kind.push(kind);
    this.group.push(group);
    this.a.push(a);
    this.b.push(b);
    this.from.push(from);
    this.len.push(len);
  }
}

/** The hash state after "group:", from which a group's items continue. */
function groupHash(group: string): number {
  return fnv(fnv(FNV_OFFSET, group), ":");
}

/** FNV-1a of characters [i, i + n) of `<w>`, continuing from `h`, without building the padded word. */
function paddedHash(h: number, w: string, i: number, n: number): number {
  for (let k = i; k < i + n; k++) {
    const c = k === 0 ? 0x3c : k === w.length + 1 ? 0x3e : w.charCodeAt(k - 1);
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  return h;
}

const WORD_RE = /[a-z][a-z0-9']*|[0-9]+(?:\.[0-9]+)?/g;
const REASONING_WORDS = [
  "why",
  "explain",
  "prove",
  "derive",
  "calculate",
  "compute",
  "design",
  "compare",
  "step",
  "analyze",
  "analyse",
  "evaluate",
  "implement",
  "refactor",
  "optimize",
  "debug",
  "architecture",
  "tradeoff",
  "trade-off",
  "justify",
];
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
  f.addGroup("w", ws, 1);
  f.addBigrams("w2", ws, 0.3);
  f.addCharNgrams("c4", ws, 4, 0.3);
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
