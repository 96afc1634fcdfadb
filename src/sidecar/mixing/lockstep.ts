// The lockstep engine's lanes: one node-llama-cpp sequence per lane, each fed the same chosen tokens. A read
// evaluates the lane's pending tokens in one `controlledEvaluate` call and reads back only the top K logits, so
// the JavaScript work per step is O(K), not O(vocabulary). Lanes are read concurrently (Promise.all): each
// context decodes on its own native worker thread.
//
// Top-K read-outs go through llama.cpp's own top-k sampler (temperature 1, so logits are untouched), which
// keeps the K best with a partial sort; asking for the top K of the greedy chain instead sorts the whole
// vocabulary (O(V log V), ~3 ms per step at 32k). The token that sampler draws is ignored: the mixer chooses.
// Only a read that needs true probabilities (deferral's confidence) pays for the full sort and normaliser.

import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { distFromReadout, type NextTokenDist, type TokenId } from "./distribution";
import type { LaneRole } from "./strategies/types";

export interface Lane {
  readonly role: LaneRole;
  readonly sequence: LlamaContextSequence;
  readonly vocabSize: number;
  /** Tokens this lane has been given but not yet evaluated (the prompt at first, then chosen tokens). */
  pending: TokenId[];
  /** Wall time spent waiting for this lane's evaluations, ms. */
  evalMs: number;
}

export function createLane(role: LaneRole, sequence: LlamaContextSequence, vocabSize: number): Lane {
  return { role, sequence, vocabSize, pending: [], evalMs: 0 };
}

/**
 * Evaluate the lane's pending tokens and read the next-token distribution (top `topK`, or all). `normalised`
 * asks for the full-vocabulary normaliser (see distribution.ts for when that matters).
 */
export async function readLane(lane: Lane, topK: number | "all", normalised = false): Promise<NextTokenDist> {
  const tokens = lane.pending;
  if (tokens.length === 0) throw new Error(`lane "${lane.role.role}" has no token to evaluate`);
  lane.pending = [];
  const [dist] = await evaluateAndRead(lane, tokens, tokens.length - 1, topK, normalised);
  return dist!;
}

/**
 * Evaluate `tokens` on the lane in one call, reading the next-token distribution after every position from
 * `readFrom` on (teacher forcing, for scoring text). Returns one distribution per read position.
 */
export async function evaluateAndRead(lane: Lane, tokens: readonly TokenId[], readFrom: number, topK: number | "all", normalised: boolean): Promise<NextTokenDist[]> {
  const full = topK === "all" || topK >= lane.vocabSize;
  const generateNext = full
    ? { logits: true, totalLogitWeight: true }
    : normalised
      ? { logits: { filter: { tokens: NO_TOKENS, includeTop: topK } }, totalLogitWeight: true }
      : { logits: { filter: { tokens: NO_TOKENS, includeTop: topK } }, totalLogitWeight: true, options: { temperature: 1, topK, topP: 1, minP: 0 } };
  const items = tokens.map((t, i) => (i >= readFrom ? ([t as Token, { generateNext }] as const) : (t as Token)));
  const started = performance.now();
  const out = await lane.sequence.controlledEvaluate(items as Parameters<LlamaContextSequence["controlledEvaluate"]>[0]);
  lane.evalMs += performance.now() - started;
  const dists: NextTokenDist[] = [];
  for (let i = readFrom; i < tokens.length; i++) {
    const next = out[i]?.next;
    if (!next?.logits || next.totalLogitWeight === undefined)
      throw new Error(`model for lane "${lane.role.role}" (${lane.role.model}) returned no logits; it cannot be used for mixing`);
    dists.push(distFromReadout(next.logits, next.totalLogitWeight, lane.vocabSize, full || normalised));
  }
  return dists;
}

const NO_TOKENS: Token[] = [];

export function readLanes(lanes: readonly Lane[], topK: number | "all"): Promise<NextTokenDist[]> {
  return Promise.all(lanes.map((l) => readLane(l, topK)));
}

/** Give every lane the chosen token (evaluated on its next read). */
export function feedAll(lanes: readonly Lane[], token: TokenId): void {
  for (const l of lanes) l.pending.push(token);
}
