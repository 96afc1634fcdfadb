// Keeps the sidecar process alive: spawns it, waits for its ready line, checks /health, restarts it after a
// crash with exponential backoff (giving up after repeated fast crashes), and stops it on request. No `vscode`
// import, so it is tested in plain Node against the real sidecar; sidecar-process.ts adds the editor's UI.

import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";

export const READY_PREFIX = "CHORUS_SIDECAR_READY ";

export type SidecarState =
  | { kind: "stopped" }
  | { kind: "starting"; attempt: number }
  | { kind: "running"; url: string; pid: number }
  | { kind: "restarting"; inMs: number; reason: string }
  | { kind: "failed"; reason: string };

export interface SupervisorOptions {
  /** The program and its arguments: process.execPath + dist/sidecar.mjs in the extension. */
  command: string;
  args: string[];
  /** Extra environment (ELECTRON_RUN_AS_NODE, the config), read at every launch so a restart picks up new
   *  settings; the token is added by the supervisor. */
  env: Record<string, string | undefined> | (() => Record<string, string | undefined>);
  readyTimeoutMs?: number;
  healthIntervalMs?: number;
  /** Backoff after a crash: base · 2^n, capped. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Give up after this many crashes in a row without a stable run. */
  maxCrashes?: number;
  /** A run this long counts as stable and resets the crash count. */
  stableAfterMs?: number;
  log?: (line: string) => void;
}

export class SidecarSupervisor {
  private child: ChildProcess | undefined;
  private current: SidecarState = { kind: "stopped" };
  private endpointValue: { url: string; token: string } | undefined;
  private crashes = 0;
  private wanted = false;
  private timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly listeners = new Set<(s: SidecarState) => void>();
  private lastStderr: string[] = [];

  constructor(private readonly opts: SupervisorOptions) {}

  get state(): SidecarState {
    return this.current;
  }

  /** Where the running sidecar listens, with its token; undefined unless it is running. */
  endpoint(): { url: string; token: string } | undefined {
    return this.current.kind === "running" ? this.endpointValue : undefined;
  }

  onState(listener: (s: SidecarState) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  start(): void {
    this.wanted = true;
    this.crashes = 0;
    if (this.child || this.current.kind === "starting") return;
    this.launch();
  }

  /** Stop (if running) and start again with a fresh token; also the way out of the "failed" state. */
  async restart(): Promise<void> {
    await this.stop();
    this.start();
  }

  async stop(): Promise<void> {
    this.wanted = false;
    this.clearTimers();
    const child = this.child;
    if (child) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const force = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(force);
    }
    this.child = undefined;
    this.setState({ kind: "stopped" });
  }

  private setState(s: SidecarState): void {
    this.current = s;
    for (const l of this.listeners) l(s);
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private clearTimers(): void {
    this.timers.forEach((t) => clearTimeout(t));
    this.timers.clear();
  }

  private launch(): void {
    const token = randomBytes(24).toString("hex");
    this.setState({ kind: "starting", attempt: this.crashes + 1 });
    this.lastStderr = [];
    let child: ChildProcess;
    try {
      // The token travels by environment, never on the command line (other users can read argv).
      child = spawn(this.opts.command, this.opts.args, {
        env: { ...process.env, ...(typeof this.opts.env === "function" ? this.opts.env() : this.opts.env), CHORUS_SIDECAR_TOKEN: token },
        stdio: ["pipe", "pipe", "pipe"],
      });
    } catch (e) {
      this.crashed(`could not start ${this.opts.command}: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    this.child = child;
    const startedAt = Date.now();
    let ready = false;
    const readyTimer = setTimeout(() => {
      if (!ready) {
        this.opts.log?.(`the sidecar did not report ready within ${this.opts.readyTimeoutMs ?? 120_000} ms; killing it`);
        child.kill("SIGKILL");
      }
    }, this.opts.readyTimeoutMs ?? 120_000);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (ready || !line.startsWith(READY_PREFIX)) return;
      try {
        const info = JSON.parse(line.slice(READY_PREFIX.length)) as { port?: unknown };
        if (typeof info.port !== "number") throw new Error("no port");
        ready = true;
        clearTimeout(readyTimer);
        this.endpointValue = { url: `http://127.0.0.1:${info.port}`, token };
        this.setState({ kind: "running", url: this.endpointValue.url, pid: child.pid ?? 0 });
        this.later(this.opts.stableAfterMs ?? 60_000, () => (this.crashes = 0));
        this.scheduleHealth(child, 0);
      } catch {
        this.opts.log?.(`ignoring a malformed ready line: ${line}`);
      }
    });
    createInterface({ input: child.stderr! }).on("line", (line) => {
      this.opts.log?.(line);
      this.lastStderr = [...this.lastStderr.slice(-9), line];
    });
    child.stdin?.on("error", () => undefined);
    child.on("error", (e) => this.opts.log?.(`sidecar process error: ${e.message}`));
    child.once("exit", (code, signal) => {
      clearTimeout(readyTimer);
      if (this.child !== child) return;
      this.child = undefined;
      this.endpointValue = undefined;
      if (!this.wanted) return;
      const ranMs = Date.now() - startedAt;
      const tail = this.lastStderr.at(-1);
      this.crashed(`the sidecar exited (${signal ?? `code ${code}`}) after ${Math.round(ranMs / 1000)} s${tail ? `: ${tail}` : ""}`);
    });
  }

  private crashed(reason: string): void {
    this.clearTimers();
    this.crashes++;
    const max = this.opts.maxCrashes ?? 5;
    if (this.crashes >= max) {
      this.opts.log?.(`${reason}; giving up after ${this.crashes} crashes in a row`);
      this.setState({ kind: "failed", reason });
      return;
    }
    const inMs = Math.min(this.opts.backoffMaxMs ?? 30_000, (this.opts.backoffBaseMs ?? 1000) * 2 ** (this.crashes - 1));
    this.opts.log?.(`${reason}; restarting in ${inMs} ms`);
    this.setState({ kind: "restarting", inMs, reason });
    this.later(inMs, () => {
      if (this.wanted && !this.child) this.launch();
    });
  }

  /** Two missed health checks in a row mean a hung sidecar: kill it, and the exit handler restarts it. */
  private scheduleHealth(child: ChildProcess, misses: number): void {
    this.later(this.opts.healthIntervalMs ?? 15_000, () => {
      if (this.child !== child || !this.endpointValue) return;
      void fetch(`${this.endpointValue.url}/health`, { signal: AbortSignal.timeout(5000) })
        .then((r) => r.ok)
        .catch(() => false)
        .then((ok) => {
          if (this.child !== child) return;
          if (ok) return this.scheduleHealth(child, 0);
          if (misses + 1 >= 2) {
            this.opts.log?.("the sidecar stopped answering /health; restarting it");
            child.kill("SIGKILL");
          } else this.scheduleHealth(child, misses + 1);
        });
    });
  }
}
