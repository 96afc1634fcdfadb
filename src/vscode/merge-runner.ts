// Runs a merge in a child process (the bundled `chorus merge` CLI), so that decoding and merging gigabytes never
// block the extension host. Progress arrives as JSON lines on the child's stderr; cancel is an IPC message, which
// the CLI turns into an AbortSignal (its temp file is removed, nothing is left behind). "Merge for my code" runs
// the same way: the CLI's --optimize reports each step as a status line and ends with the search's report.
// No `vscode` import here.
import { fork } from "node:child_process";
import type { OptimizeReport, SearchTarget } from "../sidecar/merge/optimize";
import type { MergeProgress, MergeResult } from "../sidecar/merge/run";

export interface MergeRequest {
  method: string;
  models: string[];
  base?: string;
  weights?: number[];
  density?: number;
  t?: number;
  dtype: string;
  out: string;
  /** Merge for my code: search t or the weights on a sample of the user's files instead of taking them as given. */
  optimize?: { target: SearchTarget; sample: string[]; evaluations?: number };
}

export interface MergeOutcome extends MergeResult {
  /** What the search tried and the gain over each input model, for an optimized merge. */
  report?: OptimizeReport;
}

export interface MergeListeners {
  onProgress(p: MergeProgress): void;
  /** A step of an optimized merge ("merging and measuring t = 0.382 (2/7)…"). */
  onStatus?(line: string): void;
}

export function mergeArgs(r: MergeRequest): string[] {
  const args = ["merge", "--method", r.method, "--models", r.models.join(","), "--dtype", r.dtype, "--out", r.out, "--progress", "json"];
  if (r.base) args.push("--base", r.base);
  if (r.weights?.length) args.push("--weights", r.weights.join(","));
  if (r.density !== undefined) args.push("--density", String(r.density));
  if (r.t !== undefined) args.push("--t", String(r.t));
  if (r.optimize) {
    args.push("--optimize", r.optimize.target, "--sample", r.optimize.sample.join(","));
    if (r.optimize.evaluations !== undefined) args.push("--evaluations", String(r.optimize.evaluations));
  }
  return args;
}

export function runMergeProcess(
  cliPath: string,
  r: MergeRequest,
  { onProgress, onStatus }: MergeListeners,
  signal: AbortSignal,
  /** Node flags for the child (tests run the TypeScript CLI through tsx); none for the bundled CLI. */
  execArgv: string[] = [],
): Promise<MergeOutcome> {
  return new Promise((resolve, reject) => {
    const child = fork(cliPath, mergeArgs(r), { stdio: ["ignore", "ignore", "pipe", "ipc"], execArgv });
    let result: MergeOutcome | undefined;
    let errorText = "";
    let pending = "";
    const onAbort = () => {
      if (child.connected) child.send("cancel");
      else child.kill();
    };
    signal.addEventListener("abort", onAbort, { once: true });
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.startsWith("{")) {
          errorText += `${line}\n`;
          continue;
        }
        try {
          const msg = JSON.parse(line) as { progress?: MergeProgress; status?: string; result?: MergeResult; report?: OptimizeReport };
          if (msg.progress) onProgress(msg.progress);
          if (msg.status !== undefined) onStatus?.(msg.status);
          if (msg.result) result = { ...msg.result, report: msg.report };
        } catch {
          errorText += `${line}\n`;
        }
      }
    });
    child.on("error", (e) => {
      signal.removeEventListener("abort", onAbort);
      reject(new Error(`could not start the merge process: ${e.message}`));
    });
    child.on("exit", (code) => {
      signal.removeEventListener("abort", onAbort);
      // A cancel that arrives after the file was finished changes nothing: the merge is done.
      if (code === 0 && result) return resolve(result);
      if (signal.aborted) return reject(new DOMException("The merge was cancelled", "AbortError"));
      // The CLI's own message ("chorus: …") says what is wrong and what to do.
      const message = (errorText + pending).trim().replace(/^chorus: /, "");
      reject(new Error(message || `the merge process stopped with exit code ${String(code)}`));
    });
  });
}
