// `chorus review FILE`: the review panel's debate / refine / mixture-of-agents without VS Code. Progress goes to
// stderr as it happens; the findings and verdict (or, with --json, the whole result) go to stdout. Ctrl-C
// cancels and still prints what was found so far.
import type { Command } from "commander";
import { relative } from "node:path";
import { REVIEW_MODES, type ReviewEvent, type ReviewMode, type ReviewResult } from "../../core/collab/text/events";
import { agreement } from "../../core/collab/text/findings";
import { learnFromReviewRun } from "../../core/collab/api/review-lesson";
import { MAX_ROUNDS, runReview } from "../../core/collab/text/review";
import { cliEngine, interruptSignal } from "../engine";
import { readTextFile } from "../options";

interface ReviewOptions {
  mode: string;
  rounds?: string;
  models?: string;
  judge?: string;
  lines?: string;
  focus?: string;
  json?: boolean;
}

function parseLines(spec: string, total: number): { start: number; end: number } {
  const m = /^(\d+)(?:-(\d+))?$/.exec(spec.trim());
  const start = m ? Number(m[1]) : NaN;
  const end = m?.[2] ? Number(m[2]) : start;
  if (!m || start < 1 || end < start || end > total)
    throw new Error(`--lines must be START-END within the file's ${total} lines, such as 10-40; got "${spec}".`);
  return { start, end };
}

function progress(e: ReviewEvent): void {
  const say = (s: string) => process.stderr.write(`${s}\n`);
  if (e.type === "run-started") say(`${e.mode} review of ${e.file}:${e.lines.start}-${e.lines.end} by ${e.participants.join(", ")} (judge: ${e.judge})`);
  else if (e.type === "round-started") say(`— ${e.label}: ${e.models.join(", ")}`);
  else if (e.type === "model-retry")
    say(
      e.cause === "context"
        ? `  ${e.model}: the prompt is too long for its context; asking again with ${e.reason}`
        : `  ${e.model}: unreadable reply (${e.reason}); asking again`,
    );
  else if (e.type === "model-done") say(`  ${e.model}: ${e.summary ?? "answered"}${e.form === "prose" ? " (kept as prose)" : ""}`);
  else if (e.type === "model-failed") say(`  ${e.model} dropped out: ${e.message}`);
}

function printHuman(r: ReviewResult): void {
  const out: string[] = [];
  for (const f of r.findings) {
    const a = agreement(f);
    const decision = r.verdict?.decisions.find((d) => d.finding === f.id);
    out.push(`${f.id} [${f.severity}/${f.category}] lines ${f.lines.start}-${f.lines.end}: ${f.title}`);
    out.push(`   ${f.rationale}`);
    out.push(
      `   raised by ${f.raisedBy.join(", ")}; ${a.for} for, ${a.against} against${f.disputedBy.length ? ` (disputed by ${f.disputedBy.join(", ")})` : ""}`,
    );
    for (const n of f.notes.filter((x) => x.stance === "dispute")) out.push(`   ✗ ${n.model}: ${n.reason}`);
    if (decision) out.push(`   verdict: ${decision.decision}${decision.reason ? ` — ${decision.reason}` : ""}`);
    if (f.patch) out.push(`   fix:\n${f.patch.replace(/^/gm, "     | ")}`);
  }
  if (r.findings.length === 0) out.push("No findings.");
  if (r.verdict) out.push("", `Verdict (${r.verdict.by}): ${r.verdict.summary}`);
  for (const d of r.dropped) out.push(`Note: ${d.model} dropped out: ${d.message}`);
  out.push(`${r.status}: ${r.reason}. Cost $${r.costUsd.toFixed(4)}.`);
  console.log(out.join("\n"));
}

export function register(program: Command): void {
  program
    .command("review")
    .description("Review a file with several models: debate, refine (author + critic) or mixture-of-agents.")
    .argument("<file>", "the file to review")
    .option("--mode <mode>", `one of ${REVIEW_MODES.join(", ")}`, "debate")
    .option("--rounds <n>", `rounds (refine: critique rounds; mixture: proposer layers), 1-${MAX_ROUNDS}; default 2 or the config's review.rounds`)
    .option("--models <ids>", "comma-separated model ids taking part (refine: author,critic); default the config's review.participants, else all models")
    .option("--judge <id>", "model giving the verdict (mixture: the aggregator)")
    .option("--lines <range>", "review only these lines, e.g. 10-40")
    .option("--focus <text>", "what the reviewers should focus on")
    .option("--json", "print the whole result (findings with stances, verdict, cost) as JSON")
    .action(async (file: string, opts: ReviewOptions) => {
      if (!(REVIEW_MODES as readonly string[]).includes(opts.mode)) throw new Error(`--mode must be one of ${REVIEW_MODES.join(", ")}, not "${opts.mode}".`);
      const text = readTextFile(file, "the file");
      const rounds = opts.rounds === undefined ? undefined : Number(opts.rounds);
      if (rounds !== undefined && !Number.isInteger(rounds)) throw new Error(`--rounds must be a whole number from 1 to ${MAX_ROUNDS}, not "${opts.rounds}".`);
      // The config file's "review" section, checked with the chorus.review.* settings' schema (src/core/settings/review.ts).
      const { engine, collab, review: defaults } = await cliEngine(program);
      const configured = defaults.participants.length > 0 ? defaults.participants : undefined;
      const participants =
        opts.models
          ?.split(",")
          .map((s) => s.trim())
          .filter(Boolean) ??
        configured ??
        engine.models.list().map((m) => m.id);
      if (participants.length === 0) throw new Error("No models to review with: add models to the config file (or start Ollama), or pass --models.");
      // A final newline ends the last line; it does not start another.
      const all = text.replace(/\r?\n$/, "").split(/\r?\n/);
      const range = opts.lines ? parseLines(opts.lines, all.length) : { start: 1, end: all.length };
      const signal = interruptSignal();
      const request = {
        mode: opts.mode as ReviewMode,
        file: relative(process.cwd(), file) || file,
        code: all.slice(range.start - 1, range.end).join("\n"),
        startLine: range.start,
        focus: opts.focus,
        participants,
        judge: opts.judge ?? defaults.judge,
        rounds: rounds ?? defaults.rounds,
      };
      const result = await runReview(engine.models, request, progress, signal);
      const lesson = learnFromReviewRun(collab, engine.config.models, request, result);
      if (lesson) console.error(`chorus: the router learned from this review: ${lesson.why}`);
      if (opts.json) console.log(JSON.stringify(result, null, 2));
      else printHuman(result);
      if (result.status === "failed") process.exitCode = 1;
      else if (result.status === "cancelled") process.exitCode = 130;
    });
}
