// "Chorus: Merge Models…": pick GGUF models (from the sidecar's model folders, the workspace, or a file dialog),
// a merge method and its parameters — or "tune on my code", which searches t or the weights for the lowest
// cross-entropy on the workspace's own files — and where to write the result; the merge runs in a child process
// with a cancellable progress notification, and the result can become the completion model or an Ollama model.
import { readdir } from "node:fs/promises";
import * as path from "node:path";
import * as vscode from "vscode";
import { METHOD_DESCRIPTIONS, METHOD_NAMES, methodByName } from "../sidecar/merge/methods";
import { registerWithOllama } from "../sidecar/merge/ollama-register";
import { errorMessage } from "./log";
import type { OptimizeReport, SearchTarget } from "../sidecar/merge/optimize";
import { runMergeProcess, type MergeRequest } from "./merge-runner";
import type { ChorusServices } from "./services";
import { SETTINGS } from "./settings";

export const MERGE_COMMAND = "chorus.mergeModels";
const BROWSE = "$(folder-opened) Browse for GGUF files…";

/** GGUF files in the sidecar's model folders (three levels deep, as the sidecar searches) and the workspace. */
async function knownModels(): Promise<string[]> {
  const found = new Set<string>();
  const walk = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // a configured folder that does not exist (yet) simply has no models
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isFile() && e.name.endsWith(".gguf")) found.add(p);
      else if (e.isDirectory() && depth < 3 && !e.name.startsWith(".")) await walk(p, depth + 1);
    }
  };
  for (const folder of vscode.workspace.getConfiguration().get<string[]>(SETTINGS.sidecarModelFolders) ?? []) await walk(folder, 1);
  for (const uri of await vscode.workspace.findFiles("**/*.gguf", "**/node_modules/**", 200)) found.add(uri.fsPath);
  return [...found].sort();
}

async function pickModels(): Promise<string[] | undefined> {
  const known = await knownModels();
  if (known.length > 0) {
    const items: vscode.QuickPickItem[] = [...known.map((f) => ({ label: path.basename(f), description: path.dirname(f) })), { label: BROWSE }];
    const picked = await vscode.window.showQuickPick(items, { title: "Merge Models (1/5): the models to merge", canPickMany: true, ignoreFocusOut: true, placeHolder: "Tick two or more GGUF models" });
    if (!picked) return undefined;
    if (!picked.some((p) => p.label === BROWSE)) return picked.map((p) => path.join(p.description!, p.label));
  }
  const uris = await vscode.window.showOpenDialog({ title: "Choose the GGUF models to merge", canSelectMany: true, filters: { "GGUF models": ["gguf"] }, openLabel: "Merge These" });
  return uris?.map((u) => u.fsPath);
}

async function pickMethod(count: number): Promise<string | undefined> {
  // Only methods these many models can feed (a base model counts among them).
  const fits = METHOD_NAMES.filter((name) => {
    const m = methodByName(name)!;
    const merged = m.base === "required" ? count - 1 : count;
    return merged >= m.minModels && (m.maxModels === undefined || merged <= m.maxModels);
  });
  const picked = await vscode.window.showQuickPick(
    fits.map((name) => ({ label: name, detail: METHOD_DESCRIPTIONS[name] })),
    { title: "Merge Models (2/5): method", ignoreFocusOut: true, matchOnDetail: true },
  );
  return picked?.label;
}

function numberList(raw: string, count: number, range: [number, number]): string | undefined {
  const parts = raw.split(",").map((s) => s.trim());
  if (parts.length !== 1 && parts.length !== count) return `Give one number, or ${count} separated by commas`;
  for (const p of parts) {
    const v = Number(p);
    if (p === "" || !Number.isFinite(v) || v < range[0] || v > range[1]) return `"${p}" is not a number between ${range[0]} and ${range[1]}`;
  }
  return undefined;
}

async function askNumbers(title: string, prompt: string, value: string, count: number, range: [number, number]): Promise<number[] | undefined> {
  const raw = await vscode.window.showInputBox({ title, prompt, value, ignoreFocusOut: true, validateInput: (v) => numberList(v, count, range) });
  return raw === undefined ? undefined : raw.split(",").map((s) => Number(s.trim()));
}

/** What "merge for my code" can search for this method: slerp's t, or the per-model weights. */
function tunableParameter(method: string, parameters: readonly string[], models: number): SearchTarget | undefined {
  if (method === "slerp") return "t";
  if (parameters.includes("weight") && !(method === "linear" && models < 2)) return "weights";
  return undefined;
}

/** True to tune on the workspace's code, false to type the values, undefined when the user backs out. */
async function askToTune(target: SearchTarget): Promise<boolean | undefined> {
  const what = target === "t" ? "t" : "the weights";
  const tune = "$(beaker) Tune on my code";
  const picked = await vscode.window.showQuickPick(
    [
      { label: `$(edit) Set ${what} myself`, detail: "Type the values" },
      { label: tune, detail: `Merge for my code: try several values of ${what} and keep the merge that predicts this workspace's files best (lowest cross-entropy, measured with llama.cpp)` },
    ],
    { title: `Merge Models (4/5): ${what}`, ignoreFocusOut: true, matchOnDetail: true },
  );
  return picked === undefined ? undefined : picked.label === tune;
}

/** "tuned weights 0.62, 0.38: 2.913 bits/byte on your code, 4.1% better than a.gguf, as good as b.gguf". */
export function describeReport(report: OptimizeReport): string {
  const value = report.best.value.map((v) => v.toFixed(2)).join(", ");
  // Within 0.05% counts as a tie: the best merge may be an input itself, re-encoded.
  const versus = report.inputs.map((i) =>
    Math.abs(i.gainPercent) < 0.05 ? `as good as ${path.basename(i.model)}` : `${Math.abs(i.gainPercent).toFixed(1)}% ${i.gainPercent > 0 ? "better" : "worse"} than ${path.basename(i.model)}`,
  );
  return `tuned ${report.target === "t" ? "t" : "weights"} ${value}: ${report.best.bitsPerByte.toFixed(3)} bits/byte on your code, ${versus.join(", ")}`;
}

/** Everything a merge needs, asked step by step; undefined when the user backs out. */
async function askRequest(): Promise<MergeRequest | undefined> {
  const models = await pickModels();
  if (!models) return undefined;
  if (models.length < 2) {
    void vscode.window.showWarningMessage("Chorus: pick at least two GGUF models to merge.");
    return undefined;
  }
  const method = await pickMethod(models.length);
  if (!method) return undefined;
  const spec = methodByName(method)!;
  let base: string | undefined;
  if (spec.base === "required") {
    const b = await vscode.window.showQuickPick(models.map((m) => ({ label: path.basename(m), description: path.dirname(m) })), {
      title: `Merge Models (3/5): the base model${method === "slerp" ? " (t = 0)" : " (the task vectors are measured from it)"}`,
      ignoreFocusOut: true,
    });
    if (!b) return undefined;
    base = path.join(b.description!, b.label);
  }
  const merged = models.filter((m) => m !== base);
  const request: MergeRequest = { method, models: merged, base, dtype: "f16", out: "" };
  const target = tunableParameter(method, spec.parameters, merged.length);
  const workspace = vscode.workspace.workspaceFolders?.map((f) => f.uri.fsPath) ?? [];
  if (target && workspace.length > 0) {
    const tune = await askToTune(target);
    if (tune === undefined) return undefined;
    if (tune) request.optimize = { target, sample: workspace };
  }
  if (spec.parameters.includes("t") && !request.optimize) {
    const t = await askNumbers("Merge Models (4/5): t", "0 = the base model, 1 = the other model", "0.5", 1, [0, 1]);
    if (!t) return undefined;
    request.t = t[0];
  }
  if (spec.parameters.includes("weight") && !request.optimize) {
    const w = await askNumbers("Merge Models (4/5): weights", `One weight per model (${merged.map((m) => path.basename(m)).join(", ")}), or one for all`, "1", merged.length, [-10, 10]);
    if (!w) return undefined;
    request.weights = w;
  }
  if (spec.parameters.includes("density")) {
    const d = await askNumbers("Merge Models (4/5): density", "Fraction of each task vector kept (0–1)", "0.5", 1, [0.01, 1]);
    if (!d) return undefined;
    request.density = d[0];
  }
  const dtype = await vscode.window.showQuickPick(
    [
      { label: "f16", detail: "half precision: what llama.cpp's converter writes (default)" },
      { label: "q8_0", detail: "8-bit: half the size of F16, nearly the same quality" },
      { label: "bf16", detail: "bfloat16" },
      { label: "f32", detail: "full precision, twice the size of F16" },
    ],
    { title: "Merge Models (5/5): output type", ignoreFocusOut: true },
  );
  if (!dtype) return undefined;
  request.dtype = dtype.label;
  const defaultOut = vscode.Uri.file(path.join(path.dirname(models[0]!), `${method}-merge.gguf`));
  const out = await vscode.window.showSaveDialog({ title: "Save the merged model as", defaultUri: defaultOut, filters: { "GGUF models": ["gguf"] }, saveLabel: "Merge" });
  if (!out) return undefined;
  request.out = out.fsPath.endsWith(".gguf") ? out.fsPath : `${out.fsPath}.gguf`;
  return request;
}

/** Make the merged file the inline-completion model: the sidecar serves its folder, and single mode picks it. */
async function useForCompletions(services: ChorusServices, file: string): Promise<string> {
  const config = vscode.workspace.getConfiguration();
  const dir = path.dirname(file);
  const folders = config.get<string[]>(SETTINGS.sidecarModelFolders) ?? [];
  if (!folders.some((f) => path.resolve(f) === dir)) await config.update(SETTINGS.sidecarModelFolders, [...folders, dir], vscode.ConfigurationTarget.Global);
  const name = path.basename(file, ".gguf");
  const id = `merged-${name}`;
  const models = (config.get<unknown[]>(SETTINGS.models) ?? []).filter((m) => (m as { id?: unknown }).id !== id);
  await config.update(SETTINGS.models, [{ id, provider: "sidecar", model: name, tags: ["fast", "local", "code"] }, ...models], vscode.ConfigurationTarget.Global);
  await services.modeChoices.set("completion", "single");
  return id;
}

async function offerRegistration(services: ChorusServices, file: string): Promise<void> {
  const suggested = path.basename(file, ".gguf").toLowerCase().replace(/[^a-z0-9._-]+/g, "-");
  const name = await vscode.window.showInputBox({ title: "Register with Ollama as", value: suggested, ignoreFocusOut: true });
  if (!name) return;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Registering ${name} with Ollama`, cancellable: true }, async (progress, token) => {
    const ac = new AbortController();
    const sub = token.onCancellationRequested(() => ac.abort());
    try {
      await registerWithOllama(file, name, { url: services.engine.config.ollamaUrl, signal: ac.signal, onStatus: (s) => progress.report({ message: s }) });
    } finally {
      sub.dispose();
    }
  });
  void vscode.window.showInformationMessage(`Chorus: Ollama now serves the merged model as ${name}.`);
}

export function registerMergeCommand(services: ChorusServices): void {
  const log = services.log.child("merge");
  const cli = services.context.asAbsolutePath(path.join("dist", "cli.js"));
  services.context.subscriptions.push(
    vscode.commands.registerCommand(MERGE_COMMAND, async (given?: MergeRequest) => {
      const request = given ?? (await askRequest());
      if (!request) return;
      let result;
      try {
        result = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: request.optimize ? `Merging for your code (${request.method})` : `Merging with ${request.method}`, cancellable: true },
          async (progress, token) => {
            const ac = new AbortController();
            const sub = token.onCancellationRequested(() => ac.abort());
            let reported = 0;
            try {
              return await runMergeProcess(
                cli,
                request,
                {
                  onProgress: (p) => {
                    // An optimized merge runs several merges: its steps are reported as status lines instead.
                    if (request.optimize) return;
                    const pct = p.valuesTotal ? (100 * p.valuesDone) / p.valuesTotal : 0;
                    progress.report({ increment: pct - reported, message: `${p.tensorsDone}/${p.tensorsTotal} tensors` });
                    reported = pct;
                  },
                  onStatus: (line) => progress.report({ message: line }),
                },
                ac.signal,
              );
            } finally {
              sub.dispose();
            }
          },
        );
      } catch (e) {
        if (e instanceof Error && e.name === "AbortError") {
          void vscode.window.showInformationMessage("Chorus: merge cancelled; nothing was written.");
          return;
        }
        log.warn(`merge failed: ${errorMessage(e)}`);
        void vscode.window.showErrorMessage(`Chorus could not merge: ${errorMessage(e)}`);
        return;
      }
      log.info(`merged ${request.models.length + (request.base ? 1 : 0)} models with ${request.method} into ${result.path} in ${result.seconds.toFixed(1)} s`);
      const tuned = result.report ? `; ${describeReport(result.report)}` : "";
      if (result.report) log.info(`merge for my code tried ${result.report.tried.map((t) => `[${t.value.map((v) => v.toFixed(3)).join(", ")}] → ${t.bitsPerByte.toFixed(4)}`).join("; ")}`);
      const use = "Use for Completions";
      const ollama = "Register with Ollama";
      const pick = await vscode.window.showInformationMessage(`Chorus: merged into ${path.basename(result.path)} (${(result.bytes / 1e6).toFixed(1)} MB)${tuned}.`, use, ollama);
      try {
        if (pick === use) {
          const id = await useForCompletions(services, result.path);
          void vscode.window.showInformationMessage(`Chorus: inline completions now use ${id} (single mode, served by the sidecar).`);
        } else if (pick === ollama) await offerRegistration(services, result.path);
      } catch (e) {
        if (e instanceof Error && e.name === "AbortError") return;
        void vscode.window.showErrorMessage(`Chorus: ${errorMessage(e)}`);
      }
    }),
  );
}
