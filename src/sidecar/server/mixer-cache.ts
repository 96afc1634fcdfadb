// Mixers kept between requests: a preset used for inline completions is asked again at every pause in typing, and
// building a mixer means a llama.cpp context per model. A cached mixer holds its models in the registry, so the
// cache gives them back when idle for a while, when it is full, and whenever the registry needs room.

import type { LlamaModel } from "node-llama-cpp";
import { createMixer, type Mixer } from "../mixing/mixer";
import type { ChatTemplates } from "../generation/chat-templates";
import { chatPrompt, type ChatTurn } from "../generation/prompts";
import { mixSpecModels, type MixSpec } from "../mixing/spec";
import type { ModelRegistry } from "../registry/registry";

interface Entry {
  mixer: Mixer;
  release(): void;
  users: number;
  lastUsed: number;
}

export interface MixerCacheOptions {
  maxEntries?: number;
  idleMs?: number;
  /** Where lanes' chat templates run (the helper process); without it lanes read a plain transcript. */
  chatTemplates?: ChatTemplates;
}

export class MixerCache {
  private readonly entries = new Map<string, Entry>();
  private readonly building = new Map<string, Promise<Entry>>();
  private readonly maxEntries: number;
  private readonly idleMs: number;
  private sweeper: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly registry: ModelRegistry,
    private readonly opts: MixerCacheOptions = {},
  ) {
    this.maxEntries = opts.maxEntries ?? 2;
    this.idleMs = opts.idleMs ?? 5 * 60_000;
    registry.onPressure(() => this.dropIdle(0));
  }

  /** Run `fn` with the mixer for `spec`, built on first use and kept for the next request. */
  async use<T>(spec: MixSpec, fn: (mixer: Mixer) => Promise<T>): Promise<T> {
    const key = JSON.stringify(spec);
    const entry = this.entries.get(key) ?? (await this.build(key, spec));
    entry.users++;
    try {
      return await fn(entry.mixer);
    } finally {
      entry.users--;
      entry.lastUsed = Date.now();
    }
  }

  async dispose(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    await Promise.allSettled([...this.entries.keys()].map((k) => this.drop(k)));
  }

  private build(key: string, spec: MixSpec): Promise<Entry> {
    const pending = this.building.get(key);
    if (pending) return pending;
    const p = (async () => {
      const held = await this.registry.acquireMany(mixSpecModels(spec));
      try {
        const models: Record<string, LlamaModel> = Object.fromEntries(held.models);
        const templates = this.opts.chatTemplates;
        // Each lane's chat template runs in the helper process, from its own file, as a single model's does.
        const renderChat = templates
          ? (model: LlamaModel, messages: readonly ChatTurn[]) => chatPrompt(model, held.paths.get(model) ?? "", messages, templates)
          : undefined;
        const mixer = await createMixer(spec, models, { threads: this.registry.threads, chatPrompt: renderChat });
        const entry: Entry = { mixer, release: held.release, users: 0, lastUsed: Date.now() };
        this.entries.set(key, entry);
        await this.evictOverflow();
        this.startSweeper();
        return entry;
      } catch (e) {
        held.release();
        throw e;
      }
    })().finally(() => this.building.delete(key));
    this.building.set(key, p);
    return p;
  }

  private async evictOverflow(): Promise<void> {
    const idle = [...this.entries].filter(([, e]) => e.users === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    while (this.entries.size > this.maxEntries && idle.length > 0) await this.drop(idle.shift()![0]);
  }

  /** Give back mixers idle for at least `ms` (0: every idle one). */
  private async dropIdle(ms: number): Promise<void> {
    const now = Date.now();
    const stale = [...this.entries].filter(([, e]) => e.users === 0 && now - e.lastUsed >= ms).map(([k]) => k);
    await Promise.allSettled(stale.map((k) => this.drop(k)));
  }

  private async drop(key: string): Promise<void> {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    try {
      await e.mixer.dispose();
    } finally {
      e.release();
    }
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => void this.dropIdle(this.idleMs), Math.min(this.idleMs, 60_000));
    this.sweeper.unref();
  }
}
