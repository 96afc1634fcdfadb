// Models Ollama has already downloaded, found without Ollama running: each manifest
// (<store>/manifests/<registry>/<namespace>/<name>/<tag>, JSON) lists layers, and the one whose mediaType is
// application/vnd.ollama.image.model names the GGUF blob (<store>/blobs/sha256-<hex>). A model made with an
// ADAPTER line also has application/vnd.ollama.image.adapter layers: LoRA adapters that Ollama passes to llama.cpp
// as `--lora <blob>` (ollama server/images.go collects them into AdapterPaths, llm/llama_server.go passes them),
// i.e. at scale 1; without them the model would answer as its base does, so a missing adapter blob is a problem.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const OLLAMA_MODEL_LAYER = "application/vnd.ollama.image.model";
export const OLLAMA_ADAPTER_LAYER = "application/vnd.ollama.image.adapter";

export interface StoreModel {
  /** Ollama's own name: "qwen2.5-coder:1.5b" for the official library, "ns/name:tag" or "host/ns/name:tag" otherwise. */
  name: string;
  path: string;
  /** The model's own size plus its adapters'. */
  sizeBytes: number;
  /** LoRA adapter blobs (ADAPTER layers), applied at scale 1 as Ollama does. */
  adapters?: string[];
}

/** OLLAMA_MODELS overrides the store, as it does for Ollama itself. */
export function ollamaStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.OLLAMA_MODELS && env.OLLAMA_MODELS.trim() !== "" ? env.OLLAMA_MODELS : join(homedir(), ".ollama", "models");
}

function listDirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    return [];
  }
}

function displayName(registry: string, namespace: string, name: string, tag: string): string {
  if (registry === "registry.ollama.ai" && namespace === "library") return `${name}:${tag}`;
  if (registry === "registry.ollama.ai") return `${namespace}/${name}:${tag}`;
  return `${registry}/${namespace}/${name}:${tag}`;
}

/** Every model in the store; manifests that cannot be used are reported in `problems`, never thrown. */
export function findOllamaModels(store: string): { models: StoreModel[]; problems: string[] } {
  const models: StoreModel[] = [];
  const problems: string[] = [];
  const manifests = join(store, "manifests");
  if (!existsSync(manifests)) return { models, problems };
  for (const registry of listDirs(manifests))
    for (const namespace of listDirs(join(manifests, registry)))
      for (const name of listDirs(join(manifests, registry, namespace))) {
        const dir = join(manifests, registry, namespace, name);
        let tags: string[];
        try {
          tags = readdirSync(dir, { withFileTypes: true })
            .filter((d) => d.isFile())
            .map((d) => d.name);
        } catch {
          continue;
        }
        for (const tag of tags) {
          const label = displayName(registry, namespace, name, tag);
          const found = modelBlob(store, join(dir, tag));
          if (typeof found === "string") problems.push(`Ollama model ${label}: ${found}`);
          else models.push({ name: label, ...found });
        }
      }
  return { models, problems };
}

type Layer = { mediaType?: unknown; digest?: unknown };

/** A layer's blob, or why it cannot be used. */
function layerBlob(store: string, layer: Layer, what: string): { path: string; sizeBytes: number } | string {
  const digest = typeof layer.digest === "string" ? layer.digest : "";
  // The digest becomes a file name: accept only the exact sha256 form so it can never point outside the store.
  const m = /^sha256[:-]([0-9a-f]{64})$/.exec(digest);
  if (!m) return `the ${what} layer's digest ${JSON.stringify(layer.digest)} is not sha256:<64 hex digits>`;
  const path = join(store, "blobs", `sha256-${m[1]}`);
  try {
    return { path, sizeBytes: statSync(path).size };
  } catch {
    return what === "model"
      ? `its blob ${path} is missing (an interrupted pull? run \`ollama pull\` again)`
      : `its ${what} blob ${path} is missing, and without it the model would answer as its base does (run \`ollama pull\` or \`ollama create\` again)`;
  }
}

/** The GGUF blob a manifest points at, with its adapters, or why it cannot be used. */
function modelBlob(store: string, manifestPath: string): Omit<StoreModel, "name"> | string {
  let manifest: unknown;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  } catch (e) {
    return `the manifest ${manifestPath} is not readable JSON (${e instanceof Error ? e.message : String(e)})`;
  }
  const raw = (manifest as { layers?: unknown }).layers;
  if (!Array.isArray(raw)) return `the manifest ${manifestPath} has no "layers" list`;
  const layers = raw.filter((l: unknown): l is Layer => typeof l === "object" && l !== null);
  const modelLayer = layers.find((l) => l.mediaType === OLLAMA_MODEL_LAYER);
  if (!modelLayer) return `the manifest has no ${OLLAMA_MODEL_LAYER} layer (an adapter or projector only?)`;
  const model = layerBlob(store, modelLayer, "model");
  if (typeof model === "string") return model;
  const adapters: string[] = [];
  for (const layer of layers.filter((l) => l.mediaType === OLLAMA_ADAPTER_LAYER)) {
    const adapter = layerBlob(store, layer, "LoRA adapter (ADAPTER)");
    if (typeof adapter === "string") return adapter;
    adapters.push(adapter.path);
    model.sizeBytes += adapter.sizeBytes;
  }
  return adapters.length ? { ...model, adapters } : model;
}
