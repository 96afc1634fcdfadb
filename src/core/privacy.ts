// Privacy rules: files whose content must never leave the machine, and a switch that keeps everything local.
// Enforced in one place — Models, which every model call goes through — so no surface (completion, Ask,
// review, CLI) can skip it. Strategies also consult these rules up front to pick a local model instead of
// being refused.

import { AsyncLocalStorage } from "node:async_hooks";
import { Minimatch } from "minimatch";
import { isLocal, type ModelConfig, type PrivacyConfig } from "./config";

export class PrivacyBlockedError extends Error {
  override readonly name = "PrivacyBlockedError";
  constructor(
    message: string,
    readonly model: string,
    readonly rule: string,
  ) {
    super(message);
  }
}

export function isPrivacyBlocked(e: unknown): e is PrivacyBlockedError {
  return e instanceof PrivacyBlockedError;
}

// The files whose content a user action carries. The engine opens this scope around every strategy it runs, so
// Models sees the file even when a strategy forgets to put it in its CallContext: the rules cannot be skipped by
// omission. Surfaces that call Models directly (review) open it themselves with withRequestFiles.
const requestFiles = new AsyncLocalStorage<readonly string[]>();

export function withRequestFiles<T>(files: (string | undefined)[], fn: () => T): T {
  const outer = requestFiles.getStore() ?? [];
  return requestFiles.run([...outer, ...files.filter((f): f is string => typeof f === "string" && f !== "")], fn);
}

export function currentRequestFiles(): readonly string[] {
  return requestFiles.getStore() ?? [];
}

// Every keystroke's completion asks about the same few files under the same rules: compile each rule set's globs
// once and remember each path's answer, so the request path does no glob matching after a file's first request.
interface RuleSet {
  matchers: { glob: string; m: Minimatch }[];
  answers: Map<string, string | undefined>;
}

const ruleSets = new Map<string, RuleSet>();
/** Bounds on the caches: settings rarely change, but a long session may touch many files. */
const MAX_RULE_SETS = 8;
const MAX_PATHS = 4096;

function ruleSet(globs: readonly string[]): RuleSet {
  const key = globs.join("\u0000");
  let r = ruleSets.get(key);
  if (!r) {
    if (ruleSets.size >= MAX_RULE_SETS) ruleSets.clear();
    const matchers = globs
      .filter((g) => g.trim() !== "")
      // nocase: a rule written "**/*.pem" must also protect "KEY.PEM" on case-insensitive file systems;
      // erring towards protecting more is the safe side. dot: ".env" files are the commonest secret.
      .map((glob) => ({ glob, m: new Minimatch(glob.trim(), { dot: true, nocase: true, matchBase: !glob.trim().includes("/") }) }));
    r = { matchers, answers: new Map() };
    ruleSets.set(key, r);
  }
  return r;
}

/** The glob that protects this file, or undefined. Paths may be absolute or relative, with either slash. */
export function protectingGlob(filePath: string | undefined, cfg: PrivacyConfig): string | undefined {
  if (!filePath) return undefined;
  const rules = ruleSet(cfg.localOnlyGlobs);
  if (rules.answers.has(filePath)) return rules.answers.get(filePath);
  const p = filePath.replace(/\\/g, "/");
  const glob = rules.matchers.find(({ m }) => m.match(p))?.glob;
  if (rules.answers.size >= MAX_PATHS) rules.answers.clear();
  rules.answers.set(filePath, glob);
  return glob;
}

export type PrivacyVerdict = { ok: true } | { ok: false; rule: string; why: string };

/** May a request carrying content of `filePath` go to `model`? */
export function privacyVerdict(model: ModelConfig, cfg: PrivacyConfig, filePath: string | undefined): PrivacyVerdict {
  if (isLocal(model)) return { ok: true };
  if (cfg.localOnly) return { ok: false, rule: "chorus.privacy.localOnly", why: `local-only mode is on, so nothing is sent to the cloud model "${model.id}"` };
  const glob = protectingGlob(filePath, cfg);
  if (glob) return { ok: false, rule: glob, why: `${baseName(filePath!)} matches the privacy rule "${glob}", so its content stays on this machine` };
  return { ok: true };
}

/** The refusal for this call, checked against `filePath` and every file of the current request; undefined if allowed. */
export function privacyBlock(model: ModelConfig, cfg: PrivacyConfig, filePath: string | undefined): (PrivacyVerdict & { ok: false }) | undefined {
  if (isLocal(model)) return undefined;
  const verdicts = [filePath, ...currentRequestFiles()].map((f) => privacyVerdict(model, cfg, f));
  const v = verdicts.find((x) => !x.ok) ?? verdicts[0]!;
  return v.ok ? undefined : v;
}

/** Throw unless the call is allowed for `filePath` and every file of the current request. The message says what to do. */
export function enforcePrivacy(model: ModelConfig, cfg: PrivacyConfig, filePath: string | undefined): void {
  const v = privacyBlock(model, cfg, filePath);
  if (!v) return;
  throw new PrivacyBlockedError(
    `Not sent to "${model.id}": ${v.why}. Configure a local model (Ollama or the sidecar) for this, or change chorus.privacy settings.`,
    model.id,
    v.rule,
  );
}

/** The models a request about `filePath` may use, in the given order. */
export function allowedModels(models: ModelConfig[], cfg: PrivacyConfig, filePath: string | undefined): ModelConfig[] {
  return models.filter((m) => privacyVerdict(m, cfg, filePath).ok);
}

function baseName(p: string): string {
  return p.replace(/\\/g, "/").split("/").pop() ?? p;
}
