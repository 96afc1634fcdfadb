// Fitting a prompt of megabytes without holding the event loop (src/sidecar/generation/fit-large-prompt.ts): the
// same whole-line cut as the plain bisection of fit-prompt.ts, found by tokenizing bounded pieces with yields in
// between. Tokenizing is synchronous in node-llama-cpp; the plain bisection tokenized the whole 7.5 MB prompt and
// then halves of it, holding the loop for seconds (issue #22).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { LlamaModel } from "node-llama-cpp";
import { buildFittedPrompt, fitByLinesIncrementally, SYNC_FIT_CHARS } from "../../../src/sidecar/generation/fit-large-prompt";
import { fitByLines, type PromptParts } from "../../../src/sidecar/generation/fit-prompt";
import { completionPrompt, hasFimTokens } from "../../../src/sidecar/generation/prompts";
import { createRng } from "../../../src/sidecar/random";
import { startFixture, TS_CORPUS, type Fixture } from "./helpers";

// A tokenizer whose counts do not add up over pieces, as BPE's do not: a run of whitespace is one token, so a
// line's "\n" joins the next line's indent; and the template adds tokens of its own (BOS, FIM markers).
const words = (text: string) => text.match(/\w+|[^\w\s]|\s+/g)?.length ?? 0;
const wordSize = (p: PromptParts) => words(p.prefix) + words(p.suffix) + 3;

function randomCode(seed: number, lines: number): string {
  const rng = createRng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)]!;
  return Array.from(
    { length: lines },
    () =>
      `${" ".repeat(pick([0, 2, 4, 8]))}${pick(["const x = a + b;", "return total;", "", "}", "if (user.name) {", "items.push(item);", "// a comment with several words in it"])}${pick(["", " ", "\t"])}\n`,
  ).join("");
}

void test("the cut is the one the plain bisection makes, for prompts small and large, with and without a suffix", async () => {
  for (let seed = 1; seed <= 40; seed++) {
    const big = seed % 2 === 0;
    const prefix = randomCode(seed, big ? 6000 : 60) + (seed % 3 === 0 ? "" : "let y = ");
    const suffix = seed % 4 === 0 ? "" : randomCode(seed + 1000, big ? 3000 : 30);
    for (const limit of [5, 40, 200, 1500, 5000]) {
      const parts = { prefix, suffix };
      const expected = fitByLines(parts, limit, wordSize);
      const got = await fitByLinesIncrementally(parts, limit, { size: wordSize, count: words });
      assert.deepEqual(got, expected, `seed ${seed}, limit ${limit}`);
    }
  }
});

let f: Fixture;
let model: LlamaModel;
let release: () => void;
before(async () => {
  f = await startFixture();
  const lease = await f.sidecar.registry.acquire("ts-bigram");
  model = lease.model.model;
  release = () => lease.release();
});
after(async () => {
  release?.();
  await f?.close();
});

/** The real model, with the length of every text its tokenizer is given (one synchronous call each) recorded. */
function watchedTokenizer(m: LlamaModel) {
  const calls: number[] = [];
  const watched = new Proxy(m, {
    get(target, key) {
      if (key === "tokenize")
        return (text: string, ...rest: unknown[]) => {
          calls.push(text.length);
          return (target.tokenize as (...a: unknown[]) => ReturnType<LlamaModel["tokenize"]>)(text, ...rest);
        };
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const build = (p: PromptParts) => completionPrompt(watched, p.prefix, p.suffix);
  const count = (text: string) => watched.tokenize(text).length;
  return { calls, builder: { build, tokens: (p: { tokens: unknown[] }) => p.tokens.length, count, ignoresSuffix: !hasFimTokens(m) } };
}

const CODE = TS_CORPUS.repeat(Math.ceil(7.5e6 / TS_CORPUS.length));

void test("a 7.5 MB prompt is fitted in bounded synchronous steps, timers run meanwhile, and the cut is the plain one's", async () => {
  const { calls, builder } = watchedTokenizer(model);
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const limit = 400;
  const built = await buildFittedPrompt({ prefix: CODE, suffix: "" }, limit, 512, builder);
  clearInterval(timer);
  const longest = Math.max(...calls);
  assert.ok("prompt" in built);
  // The plain bisection on the prompt's last 50,000 characters (whole lines) gives the same cut: only the end matters.
  const tail = CODE.slice(CODE.indexOf("\n", CODE.length - 50_000) + 1);
  const plain = fitByLines({ prefix: tail, suffix: "" }, limit, (p) => builder.tokens(builder.build(p)));
  assert.ok(plain);
  assert.deepEqual(built.prompt.tokens, completionPrompt(model, plain.prefix, "").tokens);
  assert.ok(built.prompt.tokens.length <= limit && built.prompt.tokens.length > limit - 80, `${built.prompt.tokens.length} tokens`);
  assert.ok(longest <= 16 * 1024, `one synchronous tokenization took ${longest} characters (the plain fitting's first took ${CODE.length})`);
  assert.ok(ticks > 0, "a 1 ms timer fired while the prompt was fitted");
});

void test("a 7.5 MB line behind a few short ones is counted in pieces; the short ones are kept", async () => {
  const short = "let a = 1;\n".repeat(10) + "let b = ";
  for (const suffix of ["", `\n${"y".repeat(7.5e6)}`]) {
    const { calls, builder } = watchedTokenizer(model);
    const built = await buildFittedPrompt({ prefix: `${"x".repeat(7.5e6)}\n${short}`, suffix }, 400, 512, builder);
    const longest = Math.max(...calls);
    const plain = fitByLines({ prefix: `${"x".repeat(5000)}\n${short}`, suffix: suffix.slice(0, 5000) }, 400, (p) => builder.tokens(builder.build(p)));
    assert.ok("prompt" in built && plain);
    assert.deepEqual(built.prompt.tokens, completionPrompt(model, plain.prefix, plain.suffix).tokens);
    assert.ok(longest <= 16 * 1024, `one synchronous tokenization took ${longest} characters`);
  }
});

void test("a 7.5 MB prompt that cannot fit is refused after counting only what is needed", async () => {
  for (const [prompt, limit] of [
    [CODE, undefined], // no truncate_prompt_tokens: too long for the 512-token context
    ["x".repeat(7.5e6), 400], // one line: even the cursor's line alone cannot fit
  ] as const) {
    const { calls, builder } = watchedTokenizer(model);
    const built = await buildFittedPrompt({ prefix: prompt, suffix: "" }, limit, 512, builder);
    assert.ok("tooLong" in built, `limit ${limit}`);
    assert.match(built.tooLong, /^more than \d+/);
    assert.ok(calls.reduce((a, b) => a + b, 0) < 20_000, `counted ${calls.reduce((a, b) => a + b, 0)} characters`);
  }
});

void test("a prompt below SYNC_FIT_CHARS is tokenized once when it fits, as on every inline completion", async () => {
  const { calls, builder } = watchedTokenizer(model);
  const prompt = TS_CORPUS.slice(0, 300);
  const built = await buildFittedPrompt({ prefix: prompt, suffix: "" }, 400, 512, builder);
  assert.ok("prompt" in built && prompt.length < SYNC_FIT_CHARS);
  assert.deepEqual(calls, [300]);
});
