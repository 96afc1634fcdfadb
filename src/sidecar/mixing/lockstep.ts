// The lockstep engine's lanes: one node-llama-cpp sequence per lane, each fed the same chosen tokens. A read
// evaluates the lane's pending tokens in one batch and reads back only the top K logits, so the JavaScript work
// per step is O(K), not O(vocabulary). Lanes are read concurrently: each context decodes on its own native worker
// thread, and lanes that share a context (one model, several roles) share one decode.
//
// Top-K read-outs go through llama.cpp's own top-k sampler (temperature 1, so logits are untouched), which
// keeps the K best with a partial sort; asking for the top K of the greedy chain instead sorts the whole
// vocabulary (O(V log V), ~3 ms per step at 32k). The token that sampler draws is ignored: the mixer chooses.
// A read that needs true probabilities (deferral's confidence) also needs the full-vocabulary normaliser: one
// more O(V) pass on the native path, the full sort on the public one.
//
// Two ways into llama.cpp, same read-outs: the direct native path (native-batch.ts, the default: one sampler
// per lane for its lifetime, no per-call library overhead) and node-llama-cpp's public `controlledEvaluate`
// (when the library's internals are not as expected, or when asked for).
//
// Each lane remembers the tokens in its KV cache, so a request whose prompt starts like the previous one
// (successive inline completions in one file) evaluates only the tokens after the common prefix.

import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { distFromReadout, type NextTokenDist, type TokenId } from "./distribution";
import { NativeContext, type NativeSampler, type RawReadout, type ReadKind } from "./native-batch";
import type { LaneRole } from "./strategies/types";

export interface Lane {
  readonly role: LaneRole;
  readonly sequence: LlamaContextSequence;
  /** Which of this lane's model's ids the mix may use (vocab.ts). */
  readonly vocab: LaneVocabulary;
  /** The direct native path for this lane's context; absent = the public API. */
  readonly native?: { context: NativeContext; sequenceId: number; samplers: Map<ReadKind, NativeSampler> };
  /** Tokens in this lane's KV cache, in position order. */
  evaluated: TokenId[];
  /** An evaluation failed midway: what the cache holds is unknown, so the next request clears it. */
  stale: boolean;
  /** Tokens this lane has been given but not yet evaluated (the prompt at first, then chosen tokens). */
  pending: TokenId[];
  /** Wall time spent waiting for this lane's evaluations, ms. */
  evalMs: number;
  /** Tokens this lane has evaluated over its life, drafts included (a reused prefix is not evaluated again). */
  tokensEvaluated: number;
}

/** A lane's view of the shared vocabulary. */
export interface LaneVocabulary {
  /** The lane's own model's vocabulary size (how many logits llama.cpp gives it). */
  size: number;
  /** How many ids every lane may use. */
  usable: number;
  /** Ids below `size` that are dropped from every read-out (padding, ids another lane's model lacks), ascending. */
  excluded: Int32Array;
}

/** Every id of a `size`-token vocabulary usable (one model alone, nothing padded away). */
export function wholeVocabulary(size: number): LaneVocabulary {
  return { size, usable: size, excluded: new Int32Array(0) };
}

/** The part of a shared vocabulary (vocab.ts) that a model of `size` tokens sees. */
export function laneVocabulary(size: number, shared: { usable: number; excluded: Int32Array }): LaneVocabulary {
  let below = shared.excluded.length;
  while (below > 0 && shared.excluded[below - 1]! >= size) below--;
  return { size, usable: shared.usable, excluded: shared.excluded.subarray(0, below) };
}

export function createLane(role: LaneRole, sequence: LlamaContextSequence, vocab: LaneVocabulary, native?: NativeContext): Lane {
  const sequenceId = native && NativeContext.sequenceId(sequence);
  const direct = native && sequenceId !== undefined ? { context: native, sequenceId, samplers: new Map<ReadKind, NativeSampler>() } : undefined;
  return { role, sequence, vocab, native: direct, evaluated: [], stale: false, pending: [], evalMs: 0, tokensEvaluated: 0 };
}

/**
 * Start a request on the lane: its pending tokens become `tokens` minus the longest prefix already in its KV cache
 * (with `reuse`; at least one token is always evaluated, as reading needs a fresh position), and the cache is cut
 * after that prefix. Returns how many tokens are left to evaluate.
 */
export async function startLane(lane: Lane, tokens: readonly TokenId[], reuse: boolean): Promise<number> {
  let keep = 0;
  if (reuse && !lane.stale) {
    const limit = Math.min(lane.evaluated.length, tokens.length - 1);
    while (keep < limit && lane.evaluated[keep] === tokens[keep]) keep++;
  }
  if (keep < lane.evaluated.length || lane.stale) {
    // A cache that cannot be cut mid-way (some architectures) is cleared instead.
    if (!(await eraseFrom(lane, keep))) {
      keep = 0;
      await eraseFrom(lane, 0);
    }
  }
  lane.evaluated = lane.evaluated.slice(0, keep);
  lane.stale = false;
  lane.pending = tokens.slice(keep);
  lane.evalMs = 0;
  return lane.pending.length;
}

async function eraseFrom(lane: Lane, start: number): Promise<boolean> {
  if (lane.native) return lane.native.context.erase(lane.native.sequenceId, start);
  if (start === 0) {
    await lane.sequence.clearHistory();
    return true;
  }
  try {
    await lane.sequence.eraseContextTokenRanges([{ start, end: lane.sequence.nextTokenIndex }]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Evaluate the lane's pending tokens and read the next-token distribution (top `topK`, or all). `normalised`
 * asks for the full-vocabulary normaliser (see distribution.ts for when that matters).
 */
export async function readLane(lane: Lane, topK: number | "all", normalised = false): Promise<NextTokenDist> {
  return (await readLaneAhead(lane, topK, normalised, []))[0]!;
}

/** readLanesAhead for one lane, optionally with the full normaliser at every position. */
export async function readLaneAhead(lane: Lane, topK: number | "all", normalised: boolean, drafts: readonly TokenId[]): Promise<NextTokenDist[]> {
  const [dists] = await takePendingAndRead([lane], topK, normalised, drafts);
  return dists!;
}

export async function readLanes(lanes: readonly Lane[], topK: number | "all"): Promise<NextTokenDist[]> {
  return (await readLanesAhead(lanes, topK, [])).map((d) => d[0]!);
}

/**
 * Evaluate every lane's pending tokens followed by `drafts` (guessed continuations, lookahead decoding) in one
 * batch per lane, reading the next-token distribution after the last pending token and after each draft:
 * result[lane][j] is what follows draft j − 1. Drafts the decoder does not confirm are dropped with truncateLane.
 */
export function readLanesAhead(lanes: readonly Lane[], topK: number | "all", drafts: readonly TokenId[]): Promise<NextTokenDist[][]> {
  return takePendingAndRead(lanes, topK, false, drafts);
}

async function takePendingAndRead(
  lanes: readonly Lane[],
  topK: number | "all",
  normalised: boolean,
  drafts: readonly TokenId[] = [],
): Promise<NextTokenDist[][]> {
  const jobs = lanes.map((lane) => {
    const pending = lane.pending;
    if (pending.length === 0) throw new Error(`lane "${lane.role.role}" has no token to evaluate`);
    lane.pending = [];
    return { lane, tokens: drafts.length ? [...pending, ...drafts] : pending, readFrom: pending.length - 1, normalised };
  });
  return evaluateLanes(jobs, topK);
}

/** Keep only the first `length` tokens of the lane's KV cache (drop drafts that were not confirmed). */
export async function truncateLane(lane: Lane, length: number): Promise<void> {
  if (length >= lane.evaluated.length) return;
  if (!(await eraseFrom(lane, length))) {
    // A cache that cannot be cut mid-way is cleared, and the kept tokens are evaluated again with the next read.
    await eraseFrom(lane, 0);
    lane.pending = [...lane.evaluated.slice(0, length), ...lane.pending];
    lane.evaluated = [];
    return;
  }
  lane.evaluated.length = length;
}

export interface LaneJob {
  lane: Lane;
  tokens: readonly TokenId[];
  /** Read the next-token distribution after every token from this index on (teacher forcing reads them all). */
  readFrom: number;
  normalised: boolean;
}

/**
 * Evaluate each job's tokens on its lane (appending them to the lane's cache), reading from `readFrom` on.
 * Lanes on one native context share its decodes; contexts run concurrently.
 */
export async function evaluateLanes(jobs: readonly LaneJob[], topK: number | "all"): Promise<NextTokenDist[][]> {
  const results: NextTokenDist[][] = jobs.map(() => []);
  const groups = new Map<NativeContext, number[]>();
  const work: Promise<void>[] = [];
  jobs.forEach((job, i) => {
    const native = job.lane.native;
    if (!native) {
      work.push(timed([job], async () => void (results[i] = await evaluatePublic(job, topK))));
      return;
    }
    const group = groups.get(native.context);
    if (group) group.push(i);
    else groups.set(native.context, [i]);
  });
  for (const [context, indexes] of groups) {
    const group = indexes.map((i) => jobs[i]!);
    work.push(
      timed(group, async () => {
        const raw = await context.evaluate(
          group.map((j) => ({
            sequenceId: j.lane.native!.sequenceId,
            position: j.lane.evaluated.length,
            tokens: j.tokens,
            readFrom: j.readFrom,
            sampler: samplerFor(j, topK),
          })),
        );
        indexes.forEach((jobIndex, k) => (results[jobIndex] = raw[k]!.map((r) => toDist(jobs[jobIndex]!, r, topK))));
      }),
    );
  }
  await Promise.all(work);
  return results;
}

/** Run one evaluation for these jobs' lanes: time it, record the tokens as cached, or mark the lanes stale. */
async function timed(jobs: readonly LaneJob[], work: () => Promise<void>): Promise<void> {
  const started = performance.now();
  try {
    await work();
  } catch (e) {
    for (const j of jobs) j.lane.stale = true;
    throw e;
  } finally {
    const ms = performance.now() - started;
    for (const j of jobs) j.lane.evalMs += ms;
  }
  for (const j of jobs) {
    for (const t of j.tokens) j.lane.evaluated.push(t);
    j.lane.tokensEvaluated += j.tokens.length;
  }
}

/**
 * How many entries a top-K read asks llama.cpp for: K plus the lane's excluded ids, so that at least K usable
 * entries remain once those are dropped, however high a model puts its padding.
 */
function entriesToRead(lane: Lane, topK: number | "all"): number {
  return topK === "all" ? lane.vocab.size : Math.min(lane.vocab.size, topK + lane.vocab.excluded.length);
}

function readKind(lane: Lane, topK: number | "all", normalised: boolean): ReadKind {
  if (entriesToRead(lane, topK) >= lane.vocab.size) return "all";
  return normalised ? "normalised" : "top";
}

function samplerFor(job: LaneJob, topK: number | "all"): NativeSampler {
  const native = job.lane.native!;
  const kind = readKind(job.lane, topK, job.normalised);
  const k = entriesToRead(job.lane, topK);
  let s = native.samplers.get(kind);
  if (!s || s.topK !== k) native.samplers.set(kind, (s = native.context.sampler(kind, k)));
  return s;
}

function toDist(job: LaneJob, r: RawReadout, topK: number | "all"): NextTokenDist {
  const kind = readKind(job.lane, topK, job.normalised);
  if (r.logits.size === 0) throw new Error(`model for lane "${job.lane.role.role}" (${job.lane.role.model}) returned no logits; it cannot be used for mixing`);
  return distFromReadout(r.logits, r.totalLogitWeight, job.lane.vocab.usable, kind !== "top", job.lane.vocab.excluded);
}

/** The public path: node-llama-cpp's controlledEvaluate with the equivalent read-out options. */
async function evaluatePublic(job: LaneJob, topK: number | "all"): Promise<NextTokenDist[]> {
  const { lane, tokens, readFrom } = job;
  const kind = readKind(lane, topK, job.normalised);
  const k = entriesToRead(lane, topK);
  const generateNext =
    kind === "all"
      ? { logits: true, totalLogitWeight: true }
      : kind === "normalised"
        ? { logits: { filter: { tokens: NO_TOKENS, includeTop: k } }, totalLogitWeight: true }
        : { logits: { filter: { tokens: NO_TOKENS, includeTop: k } }, totalLogitWeight: true, options: { temperature: 1, topK: k, topP: 1, minP: 0 } };
  const items = tokens.map((t, i) => (i >= readFrom ? ([t as Token, { generateNext }] as const) : (t as Token)));
  const out = await lane.sequence.controlledEvaluate(items as Parameters<LlamaContextSequence["controlledEvaluate"]>[0]);
  const dists: NextTokenDist[] = [];
  for (let i = readFrom; i < tokens.length; i++) {
    const next = out[i]?.next;
    if (!next?.logits || next.totalLogitWeight === undefined)
      throw new Error(`model for lane "${lane.role.role}" (${lane.role.model}) returned no logits; it cannot be used for mixing`);
    dists.push(toDist(job, { logits: next.logits, totalLogitWeight: next.totalLogitWeight }, topK));
  }
  return dists;
}

const NO_TOKENS: Token[] = [];

/** Give every lane the chosen token (evaluated on its next read). */
export function feedAll(lanes: readonly Lane[], token: TokenId): void {
  for (const l of lanes) l.pending.push(token);
}
