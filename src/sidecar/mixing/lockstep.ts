// The lockstep engine's lanes: one node-llama-cpp sequence per lane, each fed the same chosen tokens. A read
// evaluates the lane's pending tokens in one `controlledEvaluate` call and reads back only the top K logits plus
// the full-vocabulary normaliser (computed in C++), so the JavaScript work per step is O(K), not O(vocabulary).
// Lanes are read concurrently (Promise.all): each context decodes on its own native worker thread.

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

/** Evaluate the lane's pending tokens and read the next-token distribution (top `topK`, or all). */
export async function readLane(lane: Lane, topK: number | "all"): Promise<NextTokenDist> {
  const tokens = lane.pending;
  const last = tokens.length - 1;
  if (last < 0) throw new Error(`lane "${lane.role.role}" has no token to evaluate`);
  lane.pending = [];
  const full = topK === "all" || topK >= lane.vocabSize;
  const logits = full ? true : { filter: { tokens: [] as Token[], includeTop: topK } };
  const items = tokens.map((t, i) => (i === last ? ([t as Token, { generateNext: { logits, totalLogitWeight: true } }] as const) : (t as Token)));
  const started = performance.now();
  const out = await lane.sequence.controlledEvaluate(items as Parameters<LlamaContextSequence["controlledEvaluate"]>[0]);
  lane.evalMs += performance.now() - started;
  const next = out[last]?.next;
  if (!next?.logits || next.totalLogitWeight === undefined)
    throw new Error(`model for lane "${lane.role.role}" (${lane.role.model}) returned no logits; it cannot be used for mixing`);
  return distFromReadout(next.logits, next.totalLogitWeight, lane.vocabSize);
}

export function readLanes(lanes: readonly Lane[], topK: number | "all"): Promise<NextTokenDist[]> {
  return Promise.all(lanes.map((l) => readLane(l, topK)));
}

/** Give every lane the chosen token (evaluated on its next read). */
export function feedAll(lanes: readonly Lane[], token: TokenId): void {
  for (const l of lanes) l.pending.push(token);
}
