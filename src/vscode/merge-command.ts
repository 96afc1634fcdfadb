// "Chorus: Merge Models…": pick GGUF models (from the sidecar's model folders, the models the running sidecar
// serves, the workspace, or file dialogs), a merge method and its parameters — or "tune on my code", which searches
// t or the weights for the lowest cross-entropy on the workspace's own files — and where to write the result; the
// merge runs in a child process with a cancellable progress notification, and the result can become the completion
// model or an Ollama model.
import * as path from "node:path";
import * as vscode from "vscode";
import { METHOD_DESCRIPTIONS, METHOD_NAMES, methodByName } from "../sidecar/merge/methods";
import type { MergeMethod } from "../sidecar/merge/methods/types";
import { registerWithOllama } from "../sidecar/merge/ollama-register";
import { ollamaAnswers } from "../core/discovery";
import { errorMessage } from "./log";
import type { OptimizeReport, SearchTarget } from "../sidecar/merge/optimize";
import { runMergeProcess, type MergeRequest } from "./merge-runner";
import { askValues } from "./merge-values";
import { mergeCandidates, servedModels, type MergeCandidate } from "./merge-sources";
import type { ChorusServices } from "./services";
import { settingsSource, SETTINGS } from "./settings";
import { sidecarModelFolders } from "./sidecar-settings";
import { markStepDone } from "./walkthrough";

export const MERGE_COMMAND = "chorus.mergeModels";
const BROWSE = "$(folder-opened) Browse for GGUF files…";

/** Where the running sidecar listens, if one does: the models it serves are merge candidates too. */
type SidecarEndpoint = ChorusServices["engineHost"]["sidecarEndpoint"];

async function knownModels(sidecar: SidecarEndpoint): Promise<MergeCandidate[]> {
  return mergeCandidates({
    modelFolders: sidecarModelFolders(settingsSource(vscode.workspace.getConfiguration())),
    served: await servedModels(sidecar()),
    workspaceFiles: (await vscode.workspace.findFiles("**/*.gguf", "**/node_modules/**", 200)).map((u) => u.fsPath),
  });
}

/** Step 1: two or more models, ticked in a list of the known ones, or chosen in file dialogs. */
async function pickModels(sidecar: SidecarEndpoint): Promise<MergeCandidate[] | undefined> {
  const known = await knownModels(sidecar);
  let chosen: MergeCandidate[] = [];
  if (known.length > 0) {
    const items: (vscode.QuickPickItem & { model?: MergeCandidate })[] = [
      ...known.map((m) => ({ label: m.label, description: m.where, model: m })),
      { label: BROWSE },
    ];
    const picked = await vscode.window.showQuickPick(items, {
      title: "Merge Models (1): the models to merge",
      canPickMany: true,
      ignoreFocusOut: true,
      placeHolder: "Tick two or more GGUF models",
    });
    if (!picked) return undefined;
    chosen = picked.flatMap((p) => (p.model ? [p.model] : []));
    if (chosen.length >= 2 && !picked.some((p) => p.label === BROWSE)) return chosen;
  }
  return browseForModels(chosen);
}

/**
 * The file dialog, opened again until at least two models are chosen: a desktop dialog selects many files at once,
 * but the browser's (code-server, vscode.dev) only one (microsoft/vscode#186637).
 */
async function browseForModels(chosen: readonly MergeCandidate[]): Promise<MergeCandidate[] | undefined> {
  const all = [...chosen];
  do {
    const names = all.map((m) => m.label).join(", ");
    const title =
      all.length === 0
        ? "Merge Models (1): choose the GGUF models to merge (at least two)"
        : `Merge Models (1): choose ${all.length < 2 ? "another GGUF model" : "more GGUF models"} to merge with ${names} (at least two in all)`;
    const near = all.findLast((m) => !m.fromOllama); // the next model is likely beside the last one
    const defaultUri = near && vscode.Uri.file(path.dirname(near.path));
    const uris = await vscode.window.showOpenDialog({ title, defaultUri, canSelectMany: true, filters: { "GGUF models": ["gguf"] }, openLabel: "Merge These" });
    if (!uris) return undefined;
    for (const { fsPath } of uris)
      if (!all.some((m) => m.path === fsPath)) all.push({ label: path.basename(fsPath), path: fsPath, where: path.dirname(fsPath) });
  } while (all.length < 2);
  return all;
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
    { title: "Merge Models (2): method", ignoreFocusOut: true, matchOnDetail: true },
  );
  return picked?.label;
}

/**
 * Titles "Merge Models (3/6): …" for the steps the chosen method shows. The count is known only once the method
 * is, so steps 1 and 2 show their number alone (as VS Code does for a step without a total).
 */
function stepTitles(spec: MergeMethod): (step: string, text: string) => string {
  const params = ["t", "weight", "density"].filter((p) => spec.parameters.includes(p));
  const steps = ["models", "method", ...(spec.base === "required" ? ["base"] : []), ...params, "dtype", "save"];
  return (step, text) => `Merge Models (${steps.indexOf(step) + 1}/${steps.length}): ${text}`;
}

/** What "merge for my code" can search for this method: slerp's t, or the per-model weights. */
function tunableParameter(method: string, parameters: readonly string[], models: number): SearchTarget | undefined {
  if (method === "slerp") return "t";
  if (parameters.includes("weight") && !(method === "linear" && models < 2)) return "weights";
  return undefined;
}

const tuneDetail = (what: string) =>
  `Merge for my code: try several values of ${what} and keep the merge that predicts this workspace's files best (lowest cross-entropy, measured with llama.cpp)`;

/** "tuned weights 0.62, 0.38: 2.913 bits/byte on your code, 4.1% better than a.gguf, as good as b.gguf". */
export function describeReport(report: OptimizeReport): string {
  const value = report.best.value.map((v) => v.toFixed(2)).join(", ");
  // Within 0.05% counts as a tie: the best merge may be an input itself, re-encoded.
  const versus = report.inputs.map((i) =>
    Math.abs(i.gainPercent) < 0.05
      ? `as good as ${path.basename(i.model)}`
      : `${Math.abs(i.gainPercent).toFixed(1)}% ${i.gainPercent > 0 ? "better" : "worse"} than ${path.basename(i.model)}`,
  );
  return `tuned ${report.target === "t" ? "t" : "weights"} ${value}: ${report.best.bitsPerByte.toFixed(3)} bits/byte on your code, ${versus.join(", ")}`;
}

/** Everything a merge needs, asked step by step; undefined when the user backs out. */
/** Where the save dialog starts: writable, and never inside the extension (where the demo models ship). */
export function proposedOutputFolder(picked: readonly MergeCandidate[], workspace: readonly string[], extensionRoot: string, storage: string): string {
  // Beside the first model, unless that is a blob in Ollama's store or a model shipped with the extension (read-only
  // when installed from a .vsix, and replaced on update): then the workspace, else the extension's storage.
  const inside = (p: string) => {
    const rel = path.relative(extensionRoot, p);
    return !rel.startsWith("..") && !path.isAbsolute(rel);
  };
  const first = picked.find((m) => !m.fromOllama && !inside(m.path));
  return first ? path.dirname(first.path) : (workspace[0] ?? storage);
}

async function askRequest(sidecar: SidecarEndpoint, folders: { extensionRoot: string; storage: string }): Promise<MergeRequest | undefined> {
  const picked = await pickModels(sidecar);
  if (!picked) return undefined;
  const method = await pickMethod(picked.length);
  if (!method) return undefined;
  const spec = methodByName(method)!;
  const title = stepTitles(spec);
  let base: MergeCandidate | undefined;
  if (spec.base === "required") {
    const b = await vscode.window.showQuickPick(
      picked.map((m) => ({ label: m.label, description: m.where, model: m })),
      {
        title: title("base", `the base model${method === "slerp" ? " (t = 0)" : " (the task vectors are measured from it)"}`),
        ignoreFocusOut: true,
      },
    );
    if (!b) return undefined;
    base = b.model;
  }
  const merged = picked.filter((m) => m !== base);
  const request: MergeRequest = { method, models: merged.map((m) => m.path), base: base?.path, dtype: "f16", out: "" };
  // The Ollama model the merge comes from (the base first): registering keeps its template and parameters.
  const fromOllama = base?.fromOllama ? base : picked.find((m) => m.fromOllama);
  if (fromOllama) ollamaSourceOf.set(request, fromOllama.label);
  const workspace = vscode.workspace.workspaceFolders?.map((f) => f.uri.fsPath) ?? [];
  const target = workspace.length > 0 ? tunableParameter(method, spec.parameters, merged.length) : undefined;
  if (spec.parameters.includes("t")) {
    const t = await askValues({
      title: title("t", "t"),
      prompt: "0 = the base model, 1 = the other model",
      value: "0.5",
      count: 1,
      range: [0, 1],
      tune: target === "t" ? tuneDetail("t") : undefined,
    });
    if (!t) return undefined;
    if (t === "tune") request.optimize = { target: "t", sample: workspace };
    else request.t = t[0];
  }
  if (spec.parameters.includes("weight")) {
    const prompt = `One weight per model (${merged.map((m) => m.label).join(", ")}), or one for all`;
    const w = await askValues({
      title: title("weight", "weights"),
      prompt,
      value: "1",
      count: merged.length,
      range: [-10, 10],
      tune: target === "weights" ? tuneDetail("the weights") : undefined,
    });
    if (!w) return undefined;
    if (w === "tune") request.optimize = { target: "weights", sample: workspace };
    else request.weights = w;
  }
  if (spec.parameters.includes("density")) {
    const d = await askValues({
      title: title("density", "density"),
      prompt: "Fraction of each task vector kept (0–1)",
      value: "0.5",
      count: 1,
      range: [0.01, 1],
    });
    if (!d || d === "tune") return undefined;
    request.density = d[0];
  }
  const dtype = await vscode.window.showQuickPick(
    [
      { label: "f16", detail: "half precision: what llama.cpp's converter writes (default)" },
      { label: "q8_0", detail: "8-bit: half the size of F16, nearly the same quality" },
      { label: "q4_k_m", detail: "llama.cpp's 4-bit k-quant mix, as Ollama ships models: about 30% of F16 (slower to write)" },
      { label: "q5_k_m", detail: "llama.cpp's 5-bit k-quant mix: about 35% of F16, closer to F16's quality" },
      { label: "bf16", detail: "bfloat16" },
      { label: "f32", detail: "full precision, twice the size of F16" },
    ],
    { title: title("dtype", "output type"), ignoreFocusOut: true },
  );
  if (!dtype) return undefined;
  request.dtype = dtype.label;
  const folder = proposedOutputFolder(picked, workspace, folders.extensionRoot, folders.storage);
  if (folder === folders.storage) await vscode.workspace.fs.createDirectory(vscode.Uri.file(folder));
  const defaultUri = vscode.Uri.file(path.join(folder, `${method}-merge.gguf`));
  const out = await vscode.window.showSaveDialog({
    title: title("save", "save the merged model as"),
    defaultUri,
    filters: { "GGUF models": ["gguf"] },
    saveLabel: "Merge",
  });
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
  await config.update(
    SETTINGS.models,
    [{ id, provider: "sidecar", model: name, tags: ["fast", "local", "code"] }, ...models],
    vscode.ConfigurationTarget.Global,
  );
  await services.modeChoices.set("completion", "single");
  return id;
}

/** Which Ollama model each merge request came from, for offerRegistration. */
const ollamaSourceOf = new WeakMap<MergeRequest, string>();

async function offerRegistration(services: ChorusServices, file: string, like: string | undefined): Promise<void> {
  const suggested = path
    .basename(file, ".gguf")
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-");
  const name = await vscode.window.showInputBox({ title: "Register with Ollama as", value: suggested, ignoreFocusOut: true });
  if (!name) return;
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Registering ${name} with Ollama`, cancellable: true },
    async (progress, token) => {
      const ac = new AbortController();
      const sub = token.onCancellationRequested(() => ac.abort());
      try {
        await registerWithOllama(file, name, {
          url: services.engine.config.ollamaUrl,
          like,
          signal: ac.signal,
          onStatus: (s) => progress.report({ message: s }),
        });
      } finally {
        sub.dispose();
      }
    },
  );
  void vscode.window.showInformationMessage(`Chorus: Ollama now serves the merged model as ${name}.`);
}

export function registerMergeCommand(services: ChorusServices): void {
  const log = services.log.child("merge");
  const cli = services.context.asAbsolutePath(path.join("dist", "cli.js"));
  services.context.subscriptions.push(
    vscode.commands.registerCommand(MERGE_COMMAND, async (given?: MergeRequest) => {
      const request =
        given ??
        (await askRequest(() => services.engineHost.sidecarEndpoint(), {
          extensionRoot: services.context.extensionPath,
          storage: path.join(services.context.globalStorageUri.fsPath, "merged-models"),
        }));
      if (!request) return;
      let result;
      try {
        result = await vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: request.optimize ? `Merging for your code (${request.method})` : `Merging with ${request.method}`,
            cancellable: true,
          },
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
      markStepDone("merge");
      log.info(`merged ${request.models.length + (request.base ? 1 : 0)} models with ${request.method} into ${result.path} in ${result.seconds.toFixed(1)} s`);
      // Where the inputs' tokenizers differed (a base with its instruct), which model's settings the file took.
      for (const note of result.notes ?? []) log.info(`merge: ${note}`);
      const tuned = result.report ? `; ${describeReport(result.report)}` : "";
      if (result.report)
        log.info(
          `merge for my code tried ${result.report.tried.map((t) => `[${t.value.map((v) => v.toFixed(3)).join(", ")}] → ${t.bitsPerByte.toFixed(4)}`).join("; ")}`,
        );
      const use = "Use for Completions";
      const ollama = "Register with Ollama";
      // Offered only when Ollama answers: registering with an Ollama that is not running can only fail.
      const actions = (await ollamaAnswers(services.engine.config.ollamaUrl)) ? [use, ollama] : [use];
      const pick = await vscode.window.showInformationMessage(
        `Chorus: merged into ${path.basename(result.path)} (${(result.bytes / 1e6).toFixed(1)} MB)${tuned}.`,
        ...actions,
      );
      try {
        if (pick === use) {
          const id = await useForCompletions(services, result.path);
          void vscode.window.showInformationMessage(`Chorus: inline completions now use ${id} (single mode, served by the sidecar).`);
        } else if (pick === ollama) await offerRegistration(services, result.path, ollamaSourceOf.get(request));
      } catch (e) {
        if (e instanceof Error && e.name === "AbortError") return;
        void vscode.window.showErrorMessage(`Chorus: ${errorMessage(e)}`);
      }
    }),
  );
}
