// `chorus ask "question"`: the same Ask as in VS Code, through a chosen collaboration mode.
import type { Command } from "commander";
import { MIX_MODE_PREFIX } from "../../core/collab/logit/mix-modes";
import { cliEngine, interruptSignal } from "../engine";
import { readTextFile } from "../options";

export function register(program: Command): void {
  program
    .command("ask")
    .description("Ask a question (optionally about a file) through a collaboration mode.")
    .argument("<question...>", "the question")
    .option("-m, --mode <mode>", "collaboration mode (see `chorus modes`); default: the config's modes.ask")
    .option("-f, --file <file>", "include this file's content as the code the question is about")
    .option("--json", "print the answer and the decision as JSON")
    .action(async (words: string[], opts: { mode?: string; file?: string; json?: boolean }) => {
      const { engine } = await cliEngine(program, { sidecarPresets: true });
      if (opts.mode && !engine.modes.get(opts.mode)) {
        const known = engine.modes
          .forSurface("ask")
          .map((m) => m.id)
          .join(", ");
        const mixHint = opts.mode.startsWith(MIX_MODE_PREFIX)
          ? " Mixing modes come from a running sidecar: start `chorus serve --demo` and export the CHORUS_SIDECAR_URL and CHORUS_SIDECAR_TOKEN it prints."
          : "";
        throw new Error(`Unknown mode "${opts.mode}". Modes that answer questions: ${known}.${mixHint}`);
      }
      if (opts.mode && !engine.modes.get(opts.mode)?.surfaces.includes("ask"))
        throw new Error(`The mode "${opts.mode}" does not answer questions (it serves ${engine.modes.get(opts.mode)?.surfaces.join(", ")}).`);
      const code = opts.file ? readTextFile(opts.file, "--file") : undefined;
      const out = await engine.ask(
        words.join(" "),
        { code, filePath: opts.file, modeId: opts.mode },
        interruptSignal(),
        opts.json ? undefined : (t) => process.stdout.write(t),
      );
      if (opts.json) console.log(JSON.stringify(out, null, 2));
      else process.stdout.write(`\n\n— ${out.decision.model} (${out.decision.action}): ${out.decision.reason}\n`);
    });

  program
    .command("modes")
    .description("List the collaboration modes for each surface.")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const { engine } = await cliEngine(program, { sidecarPresets: true });
      const surfaces = ["completion", "ask", "review"] as const;
      const table = Object.fromEntries(
        surfaces.map((s) => [s, engine.modes.forSurface(s).map((m) => ({ id: m.id, label: m.label, description: m.description }))]),
      );
      if (opts.json) return console.log(JSON.stringify(table, null, 2));
      for (const s of surfaces) {
        console.log(`${s}:`);
        for (const m of table[s] ?? []) console.log(`  ${m.id.padEnd(20)} ${m.description}`);
      }
    });
}
