// The sidecar's models: GGUF files from configured folders and from Ollama's store, loaded on first use and kept
// in a least-recently-used set bounded by a memory budget. A model in use is never unloaded under a request.
// Adapted models (chorus.sidecar.adapters) are a base model's file loaded again with LoRA adapters on its context;
// llama.cpp memory-maps the file, so the second load shares the base weights' pages.
// No file is opened here before the helper process has loaded it once (isolate/model-probe.ts): llama.cpp ends
// the process it runs in on files that pass every header check, and this process serves every client.

import { statSync } from "node:fs";
import { join } from "node:path";
import type { Llama, LlamaModel } from "node-llama-cpp";
import { ApiError, notFound } from "../server/errors";
import { ModelProbe } from "../isolate/model-probe";
import { validateForLlama } from "../gguf/validate";
import { validateLoraAdapter, type AdaptedModelSpec, type AdapterRef } from "./adapters";
import { findGgufFiles } from "./folder-scan";
import { LoadedModel } from "./loaded-model";
import { getRuntime } from "./llama-runtime";
import { findOllamaModels, ollamaStoreDir } from "./ollama-store";
import { cachedValidator, validateGgufHeader, type GgufValidator } from "./validate";
import { HeaderChecks, stampOf } from "./header-checks";
import { oneLine } from "../isolate/one-line";

export interface RegistryOptions {
  folders: string[];
  useOllama: boolean;
  /** Ollama's store; default $OLLAMA_MODELS or ~/.ollama/models. */
  ollamaDir?: string;
  memoryMb: number;
  threads: number;
  gpu: "auto" | false;
  maxContext: number;
  /** Models served as a base plus LoRA adapters, each under its own id. */
  adapted?: readonly AdaptedModelSpec[];
  validate?: GgufValidator;
  /** Proves each file loadable in a helper process first; default one caching in `cacheDir`. */
  probe?: ModelProbe;
  /** Where the probe's verdicts are kept between starts (none: in memory). */
  cacheDir?: string;
  log?: (message: string) => void;
}

export interface ModelEntry {
  id: string;
  path: string;
  source: "folder" | "ollama" | "adapted";
  sizeBytes: number;
  /** For source "adapted": the base model's id and the adapters attached to it at load time. */
  base?: string;
  adapters?: AdapterRef[];
  /** Why the file cannot be served, once the sidecar has found out (one line). */
  unusable?: string;
}

export interface Lease {
  model: LoadedModel;
  release(): void;
}

const RESCAN_MS = 3000;

export class ModelRegistry {
  private entries: ModelEntry[] = [];
  private scanProblems: string[] = [];
  private scannedAt = 0;
  private readonly loaded = new Map<string, LoadedModel>();
  private readonly loading = new Map<string, Promise<LoadedModel>>();
  private readonly validate: GgufValidator;
  private readonly pressureHandlers: (() => Promise<void>)[] = [];
  private computeState: string | undefined;
  private readonly probe: ModelProbe;
  /** Files refused since they last changed: path → "size:mtime" and the reason. */
  private readonly refused = new Map<string, { stamp: string; reason: string }>();
  private readonly headerChecks: HeaderChecks;

  constructor(private readonly opts: RegistryOptions) {
    this.validate = cachedValidator(opts.validate ?? validateGgufHeader);
    this.headerChecks = new HeaderChecks(this.validate, (path, reason) => this.remember(path, reason));
    this.probe =
      opts.probe ?? new ModelProbe({ gpu: opts.gpu, cacheFile: opts.cacheDir ? join(opts.cacheDir, "probed-models.json") : undefined, log: opts.log });
  }

  get threads(): number {
    return this.opts.threads;
  }

  llama(): Promise<Llama> {
    const runtime = getRuntime({ gpu: this.opts.gpu });
    void runtime.then(
      (l) => (this.computeState = l.gpu === false ? "cpu" : l.gpu),
      (e: unknown) => (this.computeState = `unavailable: ${e instanceof Error ? e.message : String(e)}`),
    );
    return runtime;
  }

  /**
   * Where llama.cpp runs models: "cpu", or the GPU backend node-llama-cpp found ("cuda", "metal", "vulkan");
   * undefined until the runtime has loaded (warmUp() starts that without loading a model).
   */
  compute(): string | undefined {
    return this.computeState;
  }

  /** Load llama.cpp's runtime in the background, so the first request does not wait for it and compute() is known. */
  warmUp(): void {
    this.llama().then(
      (l) => this.opts.log?.(`llama.cpp runs models on ${l.gpu === false ? "the CPU (no GPU found, or the GPU is off)" : `the GPU (${l.gpu})`}`),
      (e: unknown) => this.opts.log?.(`llama.cpp could not start: ${e instanceof Error ? e.message : String(e)}`),
    );
  }

  /** Every model the sources offer now (rescanned at most every few seconds), each refused one with its reason. */
  list(): ModelEntry[] {
    if (Date.now() - this.scannedAt > RESCAN_MS) this.rescan();
    return this.entries.map((e) => {
      const unusable = this.refusal(e.path);
      return unusable ? { ...e, unusable } : e;
    });
  }

  /**
   * list(), after checking each file's header (once per change, waiting a bounded time): a file llama.cpp would
   * refuse is listed with the reason before any request tries it. What the header cannot show (a file that passes
   * every check but makes llama.cpp abort) is found by the load probe at first use, and listed from then on.
   */
  async listChecked(): Promise<ModelEntry[]> {
    await this.headerChecks.settle(this.list().map((e) => e.path));
    return this.list();
  }

  /** Folders that are missing, manifests that cannot be used: shown to the user, never fatal. */
  problems(): string[] {
    this.list();
    return this.scanProblems;
  }

  rescan(): void {
    const folders = findGgufFiles(this.opts.folders);
    const entries: ModelEntry[] = folders.models.map((m) => ({ id: m.name, path: m.path, source: "folder", sizeBytes: m.sizeBytes }));
    const problems = [...folders.problems];
    if (this.opts.useOllama) {
      const store = findOllamaModels(this.opts.ollamaDir ?? ollamaStoreDir());
      const ids = new Set(entries.map((e) => e.id));
      for (const m of store.models)
        if (!ids.has(m.name))
          entries.push({ id: m.name, path: m.path, source: "ollama", sizeBytes: m.sizeBytes, adapters: m.adapters?.map((path) => ({ path, scale: 1 })) });
      problems.push(...store.problems);
    }
    entries.push(...this.adaptedEntries(entries, problems));
    this.entries = entries;
    this.scanProblems = problems;
    this.scannedAt = Date.now();
  }

  find(id: string): ModelEntry | undefined {
    return this.list().find((e) => e.id === id) ?? (this.rescan(), this.entries.find((e) => e.id === id));
  }

  /** The loaded model, held (not evictable) until `release()`. */
  async acquire(id: string): Promise<Lease> {
    const model = await this.load(id);
    model.users++;
    model.lastUsed = Date.now();
    let released = false;
    return {
      model,
      release: () => {
        if (released) return;
        released = true;
        model.users--;
        model.lastUsed = Date.now();
      },
    };
  }

  /** For the mixer, which takes LlamaModels: loads them and holds them until the returned release runs. */
  async acquireMany(ids: readonly string[]): Promise<{ models: Map<string, LlamaModel>; paths: Map<LlamaModel, string>; release(): void }> {
    const leases: Lease[] = [];
    try {
      for (const id of new Set(ids)) leases.push(await this.acquire(id));
    } catch (e) {
      leases.forEach((l) => l.release());
      throw e;
    }
    return {
      models: new Map(leases.map((l) => [l.model.id, l.model.model])),
      paths: new Map(leases.map((l) => [l.model.model, l.model.path])),
      release: () => leases.forEach((l) => l.release()),
    };
  }

  /** Called before unloading models to make room: caches that hold models (the mixer cache) let go first. */
  onPressure(handler: () => Promise<void>): void {
    this.pressureHandlers.push(handler);
  }

  loadedIds(): string[] {
    return [...this.loaded.keys()];
  }

  async dispose(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    await Promise.allSettled([...all.map((m) => m.dispose()), this.probe.dispose()]);
  }

  private load(id: string): Promise<LoadedModel> {
    const ready = this.loaded.get(id);
    if (ready) return Promise.resolve(ready);
    const pending = this.loading.get(id);
    if (pending) return pending;
    const p = this.loadFresh(id).finally(() => this.loading.delete(id));
    this.loading.set(id, p);
    return p;
  }

  private async loadFresh(id: string): Promise<LoadedModel> {
    const entry = this.find(id);
    if (!entry) throw notFound(`The model "${id}" does not exist. GET /v1/models lists the models this sidecar serves.`);
    try {
      await this.validate(entry.path);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      this.remember(entry.path, why);
      // The reason may quote bytes of a damaged file (a key name read with a wrong length): escaped and capped.
      throw new ApiError(
        422,
        "invalid_request_error",
        `The model file for "${id}" cannot be used: ${oneLine(why, 800)}. Replace or remove the file.`,
        "model_invalid",
      );
    }
    if (entry.adapters) await this.checkAdapters(entry);
    const budget = this.opts.memoryMb * 1024 * 1024;
    if (entry.sizeBytes > budget) {
      throw new ApiError(
        400,
        "invalid_request_error",
        `The model "${id}" needs about ${mb(entry.sizeBytes)} MB, more than the sidecar's memory budget of ${this.opts.memoryMb} MB. Raise chorus.sidecar.memoryMb or pick a smaller model.`,
        "model_too_large",
      );
    }
    await this.proveLoadable(id, entry.path);
    await this.makeRoom(entry.sizeBytes, budget);
    const llama = await this.llama();
    this.opts.log?.(`loading ${id} from ${entry.path}`);
    let model: LoadedModel;
    try {
      model = await LoadedModel.load(llama, id, entry.path, {
        threads: this.opts.threads,
        maxContext: this.opts.maxContext,
        gpu: this.opts.gpu,
        adapters: entry.adapters,
      });
    } catch (e) {
      throw new ApiError(
        422,
        "invalid_request_error",
        `llama.cpp could not load "${id}" (${entry.path}): ${e instanceof Error ? e.message : String(e)}`,
        "model_load_failed",
      );
    }
    this.loaded.set(id, model);
    return model;
  }

  /** Loads the file once in the helper process; refuses it, with what llama.cpp did, when that process failed. */
  private async proveLoadable(id: string, path: string): Promise<void> {
    let verdict;
    try {
      verdict = await this.probe.check(path);
    } catch (e) {
      throw new ApiError(
        503,
        "server_error",
        `llama.cpp could not start to test "${id}": ${e instanceof Error ? e.message : String(e)}`,
        "runtime_unavailable",
      );
    }
    if (verdict.loadable) return;
    const reason = verdict.reason ?? "llama.cpp could not load it";
    this.remember(path, reason);
    this.opts.log?.(`refusing ${id} (${path}): ${reason}`);
    throw new ApiError(
      422,
      "invalid_request_error",
      `The model file for "${id}" cannot be used: ${reason}. It was tried in a separate process and not loaded here; replace or remove the file.`,
      "model_unloadable",
    );
  }

  private remember(path: string, reason: string): void {
    const stamp = stampOf(path);
    if (stamp) this.refused.set(path, { stamp, reason: oneLine(reason) });
  }

  /** Why `path` was refused, while the file is unchanged; the probe's cache also knows files refused in earlier runs. */
  private refusal(path: string): string | undefined {
    const r = this.refused.get(path);
    if (r && r.stamp === stampOf(path)) return r.reason;
    const known = this.probe.known(path);
    return known && !known.loadable ? (known.reason ?? "llama.cpp could not load it") : undefined;
  }

  /** Each adapted model whose base exists, sized as its base plus its adapter files; a missing base is a problem. */
  private adaptedEntries(found: readonly ModelEntry[], problems: string[]): ModelEntry[] {
    const out: ModelEntry[] = [];
    for (const spec of this.opts.adapted ?? []) {
      const base = found.find((e) => e.id === spec.base);
      if (found.some((e) => e.id === spec.name))
        problems.push(`chorus.sidecar.adapters: "${spec.name}" is already the name of a model file; choose another name.`);
      else if (!base) problems.push(`chorus.sidecar.adapters.${spec.name}: the base model "${spec.base}" was not found in the model folders or Ollama.`);
      else
        out.push({
          id: spec.name,
          path: base.path,
          source: "adapted",
          sizeBytes: base.sizeBytes + spec.adapters.reduce((s, a) => s + fileSize(a.path), 0),
          base: base.id,
          adapters: [...(base.adapters ?? []), ...spec.adapters],
        });
    }
    return out;
  }

  /** llama.cpp asserts (ends the process) on some malformed adapters: each one is checked against the base first. */
  private async checkAdapters({ id, path: basePath, adapters = [], source }: ModelEntry): Promise<void> {
    const base = await validateForLlama(basePath);
    const fix =
      source === "ollama"
        ? "Recreate the model in Ollama with a LoRA adapter for its base (ollama create)"
        : "Fix or remove it in chorus.sidecar.adapters (or chorus serve --adapter)";
    for (const a of adapters) {
      try {
        await validateLoraAdapter(a.path, base);
      } catch (e) {
        const why = e instanceof Error ? e.message : String(e);
        throw new ApiError(422, "invalid_request_error", `The LoRA adapter for "${id}" cannot be used: ${why}. ${fix}.`, "adapter_invalid");
      }
    }
  }

  /** Unload idle models, least recently used first, until `needed` more bytes fit in the budget. */
  private async makeRoom(needed: number, budget: number): Promise<void> {
    const used = () => [...this.loaded.values()].reduce((s, m) => s + m.sizeBytes, 0);
    if (used() + needed > budget) for (const h of this.pressureHandlers) await h();
    const idle = [...this.loaded.values()].filter((m) => m.users === 0).sort((a, b) => a.lastUsed - b.lastUsed);
    for (const m of idle) {
      if (used() + needed <= budget) break;
      this.loaded.delete(m.id);
      this.opts.log?.(`unloading ${m.id} to stay within ${this.opts.memoryMb} MB`);
      await m.dispose();
    }
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // reported when the model is loaded, with the reason
  }
}

function mb(bytes: number): number {
  return Math.ceil(bytes / (1024 * 1024));
}
