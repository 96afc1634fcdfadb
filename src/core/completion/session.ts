// The engine side of inline completions, free of VS Code so it can be benchmarked: per editor, at most one model
// request in flight (a newer keystroke aborts the older request and waits for it to settle), an adaptive debounce,
// an LRU cache keyed on the assembled prefix and suffix (with type-ahead: typing the start of a cached completion
// still hits), FIM prompt assembly and the single/multi-line policy.

import type { Engine } from "../engine";
import type { CompletionInput, CompletionOutput } from "../modes";
import { AdaptiveDebounce, DEFAULT_DEBOUNCE, type DebounceOptions } from "./debounce";
import { assembleFim, DEFAULT_FIM_BUDGET, type FimBudget } from "./fim";
import { LruCache } from "./lru";
import { cleanCompletion, cursorShape, type MultilinePolicy } from "./policy";

export interface CompletionDocument {
  /** Identifies the editor (one request in flight per editor). */
  editorKey: string;
  prefix: string;
  suffix: string;
  languageId: string;
  filePath: string;
}

export interface CompletionResult {
  /** The ghost text to show. */
  text: string;
  /** What the mode returned (its decision; the object feedback is reported against). */
  output: CompletionOutput;
  fromCache: boolean;
}

export interface CompletionTimings {
  totalMs: number;
  debounceMs: number;
  /** Waiting for an aborted older request to settle. */
  waitMs: number;
  modelMs: number;
  /** Chorus's own time: everything else. */
  overheadMs: number;
  fromCache: boolean;
}

export interface CompletionEngineOptions {
  /** What answers a request: the Engine (src/core/engine.ts), or a stand-in in tests. */
  engine: Pick<Engine, "complete">;
  /** The mode that answers (the engine's configured one when absent); also part of the cache key, so switching modes
   *  does not serve another mode's answers. */
  modeKey?: () => string;
  cacheSize?: number;
  budget?: FimBudget;
  debounce?: DebounceOptions;
  multiline?: () => MultilinePolicy;
  now?: () => number;
  onTimings?: (t: CompletionTimings) => void;
  /**
   * Why a request shows nothing (for the log: "why is there no ghost text?"). `userCanAct` is true when the user
   * can change the outcome (the model answered nothing: another mode or model may), false for the routine skips
   * of typing (a newer keystroke, the cursor mid-line) that would flood the log.
   */
  onSkip?: (why: string, userCanAct: boolean) => void;
}

interface EditorState {
  debounce: AdaptiveDebounce;
  /** Bumped on every request; a request that is no longer the newest gives up. */
  generation: number;
  inFlight?: { controller: AbortController; settled: Promise<unknown> };
  /** The prefix of the last request answered from the model, for type-ahead cache hits. */
  lastPrefix?: string;
}

const TYPE_AHEAD_MAX = 32;
const SUPERSEDED = "a newer keystroke replaced the request before the model was asked";
const CANCELLED_IN_FLIGHT = "cancelled while the model was answering (the user typed on)";

export class CompletionEngine {
  private readonly cache: LruCache<string, CompletionOutput>;
  private readonly editors = new Map<string, EditorState>();
  private readonly now: () => number;
  private inFlightCount = 0;
  /** The most requests that were ever in flight at once, across all editors (the benchmark reads it). */
  maxInFlight = 0;

  constructor(private readonly opts: CompletionEngineOptions) {
    this.cache = new LruCache(opts.cacheSize ?? 500);
    this.now = opts.now ?? (() => performance.now());
  }

  private editor(key: string): EditorState {
    let s = this.editors.get(key);
    if (!s) {
      s = { debounce: new AdaptiveDebounce(this.opts.debounce ?? DEFAULT_DEBOUNCE), generation: 0 };
      this.editors.set(key, s);
    }
    return s;
  }

  /** An editor closed: abort its request and forget it. */
  closeEditor(key: string): void {
    this.editors.get(key)?.inFlight?.controller.abort();
    this.editors.delete(key);
  }

  clearCache(): void {
    this.cache.clear();
  }

  /** Undefined when there is nothing to show: skipped, superseded, cancelled or an empty reply. */
  async request(doc: CompletionDocument, signal: AbortSignal): Promise<CompletionResult | undefined> {
    const t0 = this.now();
    const ed = this.editor(doc.editorKey);
    ed.debounce.keystroke(t0);
    const generation = ++ed.generation;
    const shape = cursorShape(doc.prefix, doc.suffix, this.opts.multiline?.() ?? "auto");
    if (shape.skip) return this.skip(shape.skip);
    const fim = assembleFim(doc.prefix, doc.suffix, this.opts.budget ?? DEFAULT_FIM_BUDGET);
    const mode = this.opts.modeKey?.() ?? "";
    const keyOf = (prefix: string): string => `${mode}\u0000${doc.languageId}\u0000${prefix}\u0000${fim.suffix}`;

    // Built once: hashing a key copies the whole prefix, so lookup and store share it.
    const key = keyOf(fim.prefix);
    const hit = this.lookup(key, keyOf, fim.prefix, fim.suffix, shape.multiline, ed.lastPrefix);
    if (hit) {
      this.report(t0, 0, 0, 0, true);
      return { text: hit.text, output: hit.output, fromCache: true };
    }

    const tDebounce = this.now();
    const delay = ed.debounce.delayMs();
    // A zero delay (benchmarks, "debounce off") must not pay a timer tick.
    if (delay > 0 && (!(await sleep(delay, signal)) || generation !== ed.generation)) return this.skip(SUPERSEDED);
    if (signal.aborted) return this.skip(SUPERSEDED);
    const debounceMs = this.now() - tDebounce;

    // One in flight per editor: abort the older request and let it settle before starting this one.
    const tWait = this.now();
    const prev = ed.inFlight;
    if (prev) {
      prev.controller.abort();
      await prev.settled;
    }
    const waitMs = this.now() - tWait;
    if (signal.aborted || generation !== ed.generation) return this.skip(SUPERSEDED);

    const controller = new AbortController();
    const onAbort = (): void => controller.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    const input: CompletionInput = {
      prefix: fim.prefix,
      suffix: fim.suffix,
      languageId: doc.languageId,
      filePath: doc.filePath,
      atLineEnd: shape.atLineEnd,
      multiline: shape.multiline,
    };
    const tModel = this.now();
    const call = this.opts.engine.complete(input, controller.signal, this.opts.modeKey?.());
    const settled = call.then(
      () => undefined,
      () => undefined,
    );
    ed.inFlight = { controller, settled };
    this.inFlightCount++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlightCount);
    let output: CompletionOutput;
    try {
      output = await call;
    } catch (e) {
      if (controller.signal.aborted) return this.skip(CANCELLED_IN_FLIGHT);
      throw e;
    } finally {
      this.inFlightCount--;
      signal.removeEventListener("abort", onAbort);
      if (ed.inFlight?.controller === controller) ed.inFlight = undefined;
    }
    const modelMs = this.now() - tModel;
    ed.debounce.response(modelMs);
    const text = cleanCompletion(output.text, fim.suffix, shape.multiline);
    this.cache.set(key, output);
    ed.lastPrefix = fim.prefix;
    this.report(t0, debounceMs, waitMs, modelMs, false);
    if (controller.signal.aborted) return this.skip(CANCELLED_IN_FLIGHT);
    if (text === "") return this.skip(`${output.decision.model} answered nothing to show (empty, or only what already follows the cursor)`, true);
    return { text, output, fromCache: false };
  }

  /**
   * Exact hit, or the editor's last answered completion when the user has since typed its start. Only that one
   * earlier prefix is tried: building and hashing a key per possible earlier prefix would cost more than it saves.
   */
  private lookup(
    key: string,
    keyOf: (p: string) => string,
    prefix: string,
    suffix: string,
    multiline: boolean,
    lastPrefix: string | undefined,
  ): { text: string; output: CompletionOutput } | undefined {
    const exact = this.cache.get(key);
    if (exact) {
      const text = cleanCompletion(exact.text, suffix, multiline);
      return text ? { text, output: exact } : undefined;
    }
    if (lastPrefix === undefined || prefix.length <= lastPrefix.length || prefix.length - lastPrefix.length > TYPE_AHEAD_MAX) return undefined;
    if (!prefix.startsWith(lastPrefix)) return undefined;
    const typed = prefix.slice(lastPrefix.length);
    if (typed.includes("\n")) return undefined;
    const earlier = this.cache.get(keyOf(lastPrefix));
    if (!earlier || !earlier.text.startsWith(typed) || earlier.text.length <= typed.length) return undefined;
    const text = cleanCompletion(earlier.text.slice(typed.length), suffix, multiline);
    return text ? { text, output: earlier } : undefined;
  }

  private skip(why: string, userCanAct = false): undefined {
    this.opts.onSkip?.(why, userCanAct);
    return undefined;
  }

  private report(t0: number, debounceMs: number, waitMs: number, modelMs: number, fromCache: boolean): void {
    if (!this.opts.onTimings) return;
    const totalMs = this.now() - t0;
    this.opts.onTimings({ totalMs, debounceMs, waitMs, modelMs, overheadMs: Math.max(0, totalMs - debounceMs - waitMs - modelMs), fromCache });
  }
}

/** Resolves true after `ms`, false at once if `signal` aborts first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
