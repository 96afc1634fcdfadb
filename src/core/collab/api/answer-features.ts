// Features of a cheap model's answer, for the cascade's learned scorer over (prompt, answer). They look for the
// signs that an answer is wrong without knowing the right one: it was cut off, it hedges, it never commits to a
// final result, its own arithmetic does not check out, or its tokens were improbable.

import type { TokenLogprob } from "../../providers/types";
import { FeatureBuilder, requestFeatures, words, type FeatureVector, type RequestFeaturesInput } from "./features";

const HEDGES = [
  "maybe",
  "perhaps",
  "possibly",
  "probably",
  "approximately",
  "assume",
  "assuming",
  "unclear",
  "not sure",
  "i think",
  "it seems",
  "however",
  "cannot",
  "can't",
  "impossible",
  "unknown",
  "not enough information",
  "let's try",
  "alternatively",
  "wait",
  "actually",
  "mistake",
  "re-evaluate",
  "recheck",
];

export interface ArithmeticCheck {
  checked: number;
  wrong: number;
}

/** Evaluate a flat arithmetic expression of numbers, + - * / x × ÷ and parentheses; undefined if it is anything else. */
export function evalArithmetic(expr: string): number | undefined {
  const src = expr
    .replace(/[×x]/g, "*")
    .replace(/÷/g, "/")
    .replace(/,(?=\d{3})/g, "")
    .replace(/\$/g, "")
    .trim();
  if (!/^[-+*/().\d\s%]+$/.test(src) || !/\d/.test(src)) return undefined;
  let pos = 0;
  const peek = (): string => src[pos] ?? "";
  const skip = (): void => {
    while (peek() === " ") pos++;
  };
  const num = (): number | undefined => {
    skip();
    if (peek() === "(") {
      pos++;
      const v = sum();
      skip();
      if (peek() !== ")") return undefined;
      pos++;
      return v;
    }
    if (peek() === "-") {
      pos++;
      const v = num();
      return v === undefined ? undefined : -v;
    }
    const m = /^\d+(?:\.\d+)?/.exec(src.slice(pos));
    if (!m) return undefined;
    pos += m[0].length;
    skip();
    if (peek() === "%") {
      pos++;
      return Number(m[0]) / 100;
    }
    return Number(m[0]);
  };
  const product = (): number | undefined => {
    let v = num();
    for (;;) {
      skip();
      const op = peek();
      if (v === undefined || (op !== "*" && op !== "/")) return v;
      pos++;
      const r = num();
      if (r === undefined) return undefined;
      v = op === "*" ? v * r : v / r;
    }
  };
  const sum = (): number | undefined => {
    let v = product();
    for (;;) {
      skip();
      const op = peek();
      if (v === undefined || (op !== "+" && op !== "-")) return v;
      pos++;
      const r = product();
      if (r === undefined) return undefined;
      v = op === "+" ? v + r : v - r;
    }
  };
  const v = sum();
  skip();
  return pos === src.length && v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** Check every "expression = number" the answer writes down (GSM8K-style <<a*b=c>> annotations included). */
export function checkArithmetic(answer: string): ArithmeticCheck {
  let checked = 0;
  let wrong = 0;
  const re = /([-+*/×x÷().\d\s,$%]{3,}?)\s*=\s*\$?(-?[\d,]*\.?\d+)/g;
  for (const m of answer.matchAll(re)) {
    const lhs = m[1]?.replace(/^[^\d(-]+/, "") ?? "";
    if (!/[-+*/×x÷]/.test(lhs.replace(/^-/, ""))) continue;
    const expected = evalArithmetic(lhs);
    const got = Number((m[2] ?? "").replace(/,/g, ""));
    if (expected === undefined || !Number.isFinite(got)) continue;
    checked++;
    if (Math.abs(expected - got) > Math.max(0.011, Math.abs(expected) * 1e-3)) wrong++;
  }
  return { checked, wrong };
}

/** The number the answer commits to, if it states one clearly ("#### 42", "the answer is 42", "= 42." at the end). */
export function finalNumber(answer: string): string | undefined {
  const marked = /####\s*\$?(-?[\d,]*\.?\d+)/.exec(answer) ?? /answer is:?\s*\$?(-?[\d,]*\.?\d+)/i.exec(answer);
  return marked?.[1]?.replace(/,/g, "");
}

/** Mean probability of the chosen tokens, or undefined when the provider gave no logprobs. */
export function logprobConfidence(logprobs: TokenLogprob[] | undefined): number | undefined {
  if (!logprobs || logprobs.length === 0) return undefined;
  const mean = logprobs.reduce((s, t) => s + t.logprob, 0) / logprobs.length;
  return Math.exp(mean);
}

export interface AnswerFeaturesInput extends RequestFeaturesInput {
  answer: string;
  logprobs?: TokenLogprob[];
  finishReason?: string;
}

/** Features of the (prompt, answer) pair. */
export function answerFeatures(input: AnswerFeaturesInput): FeatureVector {
  const req = requestFeatures(input);
  const f = new FeatureBuilder();
  const a = input.answer;
  const lower = a.toLowerCase();
  const aw = words(a);
  f.add("a:len:log", Math.log1p(a.length) / 8);
  f.add(`a:len:bin${Math.min(12, Math.floor(Math.log2(a.length + 1)))}`);
  f.add("a:len:ratio", Math.log1p(a.length) - Math.log1p(input.text.length));
  const trimmed = a.trimEnd();
  if (input.finishReason === "length") f.add("a:cut-off");
  if (trimmed.length > 0 && !/[.!?)\]}"'`\d]$|^\S+$/.test(trimmed)) f.add("a:ends-mid-sentence");
  if (/<<[^>]*$/.test(trimmed) || /=\s*$/.test(trimmed)) f.add("a:ends-mid-calculation");
  const fin = finalNumber(a);
  if (fin !== undefined) {
    f.add("a:final-number");
    if (input.text.includes(fin)) f.add("a:final-number-in-prompt");
    if (fin.includes(".")) f.add("a:final-decimal");
    if (fin.startsWith("-")) f.add("a:final-negative");
  } else f.add("a:no-final-number");
  const arith = checkArithmetic(a);
  f.add(`a:arith-checked${Math.min(5, arith.checked)}`);
  if (arith.wrong > 0) f.add("a:arith-wrong", 1 + Math.log(arith.wrong));
  else if (arith.checked > 0) f.add("a:arith-all-right");
  const steps = a.split("\n").filter((l) => l.trim()).length;
  f.add(`a:steps${Math.min(10, steps)}`);
  const hedges = HEDGES.filter((h) => lower.includes(h));
  for (const h of hedges) f.add(`a:hedge:${h}`);
  f.add(`a:hedges${Math.min(3, hedges.length)}`);
  const numbersInAnswer = new Set(a.match(/\d+(?:\.\d+)?/g) ?? []);
  const numbersInPrompt = new Set(input.text.match(/\d+(?:\.\d+)?/g) ?? []);
  const used = [...numbersInPrompt].filter((n) => numbersInAnswer.has(n)).length;
  if (numbersInPrompt.size > 0) f.add("a:prompt-numbers-used", used / numbersInPrompt.size);
  f.addGroup("aw", aw, 0.5);
  const conf = logprobConfidence(input.logprobs);
  if (conf !== undefined) {
    f.add("a:logprob-conf", conf);
    f.add(`a:logprob-bin${Math.min(9, Math.floor(conf * 10))}`);
  }
  return req.concat(f.build());
}
