// The parent's side of the helper process (child.ts): one request at a time, each with a time limit. When the
// helper dies (llama.cpp aborted on a model, a template exhausted its heap) or runs past the limit (it is killed),
// the request in flight fails with what the helper said last on stderr, and the next request gets a fresh helper.
// An idle helper is stopped, so it holds no memory between uses.

import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { isolateCommand, type HelperCommand } from "./entry-path";
import { capped, escapeControl, tellingLine } from "./one-line";
import { RUNTIME_UNAVAILABLE_EXIT, type IsolateAnswer, type IsolateRequest } from "./protocol";

export type IsolateFailure = "crashed" | "timeout" | "failed" | "unavailable";

export class IsolateError extends Error {
  override readonly name = "IsolateError";
  constructor(
    readonly kind: IsolateFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface HelperOptions {
  /** Stop the helper after this long without a request (default 20 s). */
  idleMs?: number;
  command?: HelperCommand;
  log?: (line: string) => void;
}

interface Running {
  child: ChildProcess;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  answers: Map<number, (a: IsolateAnswer) => void>;
  /** Resolves when the helper has loaded its code (its first line). */
  ready: Promise<void>;
}

const STDERR_KEEP = 16_384;
/** A helper that has not loaded its code by then is broken (or the machine is far too busy). */
const START_LIMIT_MS = 120_000;

export class IsolatedHelper {
  private running: Running | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;
  /** Set by dispose(): a request it cut short is not the request's fault (no verdict may be kept). */
  private disposed = false;

  constructor(private readonly opts: HelperOptions = {}) {}

  /** Runs `req` in the helper; the queue makes requests take turns, so a crash is blamed on the right one. */
  request<T>(req: IsolateRequest, timeoutMs: number): Promise<T> {
    const turn = this.queue.then(() => this.runOne(req, timeoutMs));
    this.queue = turn.catch(() => undefined);
    return turn as Promise<T>;
  }

  /** Stops the helper now (the sidecar is stopping). */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
  }

  private async stop(): Promise<void> {
    clearTimeout(this.idleTimer);
    const r = this.running;
    this.running = undefined;
    if (r) {
      holdOpen(r.child, true); // until it has exited: an unreferenced child would let the process end mid-await
      r.child.stdin?.end();
      r.child.kill("SIGKILL");
      await r.exited;
    }
  }

  private start(): Running {
    const cmd = this.opts.command ?? isolateCommand();
    const child = spawn(cmd.command, cmd.args, { stdio: ["pipe", "pipe", "pipe"], env: process.env });
    let markReady!: () => void;
    const r: Running = {
      child,
      stderr: "",
      answers: new Map(),
      exited: new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal }))),
      ready: new Promise<void>((resolve) => (markReady = resolve)),
    };
    child.once("error", () => undefined); // a spawn failure ends in "exit" too, which the request reports
    child.stdin?.on("error", () => undefined); // writing to a helper that just died: its exit is reported instead
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => (r.stderr = (r.stderr + chunk).slice(-STDERR_KEEP)));
    createInterface({ input: child.stdout! }).on("line", (line) => {
      let a: IsolateAnswer | { ready: true };
      try {
        a = JSON.parse(line) as IsolateAnswer | { ready: true };
      } catch {
        return; // not an answer (a library printing to stdout)
      }
      if ("ready" in a) markReady();
      else r.answers.get(a.id)?.(a);
    });
    void r.exited.then(() => {
      if (this.running === r) this.running = undefined;
    });
    return r;
  }

  private async runOne(req: IsolateRequest, timeoutMs: number): Promise<unknown> {
    clearTimeout(this.idleTimer);
    const r = (this.running ??= this.start());
    const id = this.nextId++;
    let timer: NodeJS.Timeout | undefined;
    holdOpen(r.child, true);
    try {
      await this.started(r);
      r.stderr = "";
      const answered = new Promise<IsolateAnswer>((resolve) => r.answers.set(id, resolve));
      r.child.stdin?.write(`${JSON.stringify({ ...req, id })}\n`);
      const outcome = await Promise.race([
        answered,
        r.exited.then((e) => ({ exit: e })),
        new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), timeoutMs))),
      ]);
      if (outcome === "timeout") {
        r.child.kill("SIGKILL");
        await r.exited;
        throw new IsolateError("timeout", `took longer than ${Math.round(timeoutMs / 1000)} s and was stopped`);
      }
      if ("exit" in outcome) {
        if (this.disposed) throw new IsolateError("unavailable", "the helper process was stopped with the sidecar");
        throw this.deathError(outcome.exit, r.stderr);
      }
      if (!outcome.ok) {
        // node-llama-cpp's error is generic ("Failed to load model"); llama.cpp said why on stderr.
        const said = tellingLine(r.stderr);
        throw new IsolateError("failed", capped(escapeControl(said && said !== outcome.error ? `${outcome.error}: ${said}` : outcome.error)));
      }
      return outcome.result;
    } finally {
      clearTimeout(timer);
      r.answers.delete(id);
      // An idle helper must not keep its parent alive (`chorus merge` exits when its work is done).
      holdOpen(r.child, false);
      this.idleTimer = setTimeout(() => void this.stop(), this.opts.idleMs ?? 20_000);
      this.idleTimer.unref();
    }
  }

  /** Waits for the helper to load its code, so a request's time limit covers only the request. */
  private async started(r: Running): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      r.ready.then(() => "ready" as const),
      r.exited.then((e) => ({ exit: e })),
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), START_LIMIT_MS))),
    ]);
    clearTimeout(timer);
    if (outcome === "ready") return;
    if (outcome === "timeout") {
      r.child.kill("SIGKILL");
      throw new IsolateError("unavailable", `the helper process did not start within ${START_LIMIT_MS / 1000} s`);
    }
    // Dead before any request reached it: whatever went wrong, no model or template is to blame.
    const e = this.deathError(outcome.exit, r.stderr);
    throw new IsolateError("unavailable", e.message);
  }

  private deathError(exit: { code: number | null; signal: NodeJS.Signals | null }, stderr: string): IsolateError {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const said = tellingLine(stderr);
    if (exit.code === RUNTIME_UNAVAILABLE_EXIT) return new IsolateError("unavailable", said ?? "llama.cpp could not start");
    this.opts.log?.(`helper process ${how}${said ? `: ${said}` : ""}`);
    return new IsolateError("crashed", `the helper process ${how}${said ? ` (${said})` : ""}`);
  }
}

function holdOpen(child: ChildProcess, hold: boolean): void {
  for (const s of [child.stdin, child.stdout, child.stderr] as ({ ref?(): void; unref?(): void } | null)[]) {
    if (hold) s?.ref?.();
    else s?.unref?.();
  }
  if (hold) child.ref();
  else child.unref();
}
