// `chorus models`: what is configured, and what each provider says it has.
import type { Command } from "commander";
import { isProviderError } from "../../core/providers/errors";
import { cliEngine } from "../engine";

interface ModelRow {
  id: string;
  provider: string;
  model: string;
  tags: string[];
  available: boolean | null;
  problem?: string;
}

export function register(program: Command): void {
  program
    .command("models")
    .description("List the configured models and check that each provider has them.")
    .option("--json", "print JSON")
    .option("--offline", "do not contact the providers")
    .action(async (opts: { json?: boolean; offline?: boolean }) => {
      const { engine, configPath, discovered } = await cliEngine(program);
      const rows: ModelRow[] = [];
      for (const m of engine.models.list()) {
        const row: ModelRow = { id: m.id, provider: m.provider, model: m.model, tags: m.tags ?? [], available: null };
        if (!opts.offline) {
          try {
            const offered = await (await engine.models.provider(m.id)).listModels(AbortSignal.timeout(5000));
            row.available = offered.some((o) => o.name === m.model || o.name === `${m.model}:latest`);
            if (!row.available) row.problem = `${m.provider} does not list "${m.model}"`;
          } catch (e) {
            row.available = false;
            row.problem = isProviderError(e) || e instanceof Error ? e.message : String(e);
          }
        }
        rows.push(row);
      }
      if (opts.json) {
        console.log(JSON.stringify({ config: configPath ?? null, discovered, models: rows }, null, 2));
        return;
      }
      const source = configPath ? `from ${configPath}` : discovered ? "found in Ollama" : "none configured";
      console.log(`Models (${source}):`);
      if (rows.length === 0) console.log('  none. Start Ollama, or write chorus.json with a "models" list (see README: CLI), or pass --config FILE.');
      for (const r of rows) {
        const mark = r.available === null ? " " : r.available ? "✓" : "✗";
        console.log(`  ${mark} ${r.id.padEnd(24)} ${r.provider.padEnd(8)} ${r.model}${r.tags.length ? `  [${r.tags.join(", ")}]` : ""}`);
        if (r.problem) console.log(`      ${r.problem}`);
      }
    });
}
