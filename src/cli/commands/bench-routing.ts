// `chorus bench routing` and `chorus bench completion`: the API-level collaboration benchmarks (src/bench/routing.ts,
// src/bench/completion.ts).
import type { Command } from "commander";
import { wholeNumber } from "../options";
import { benchCompletion } from "../../bench/completion";
import { runRoutingBench, type RoutingStrategy } from "../../bench/routing";
import { readRoutingFile } from "../../bench/routing-data";

function positive(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, not "${v}"`);
  return n;
}

function print(result: object, json: boolean | undefined): void {
  if (json) console.log(JSON.stringify(result, null, 2));
  else for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(20)} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
}

export function registerBench(bench: Command): void {
  bench
    .command("routing")
    .description(
      "Train the router (or the cascade's answer scorer) on one RouteLLM-format file and report APGR, CPT(50/80%), cost at 95% and the accuracy curve on another.",
    )
    .requiredOption("--train <file>", "RouteLLM-format JSON lines to learn from")
    .requiredOption("--test <file>", "RouteLLM-format JSON lines to report on (ideally subjects the training file lacks)")
    .option("--strategy <s>", "router (decides before any model runs) or cascade (reads the weak answer; needs weak_response)", "router")
    .option("--epochs <n>", "passes over the training file (default: 5 for the router, 3 for the cascade)")
    .option("--weak-cost <r>", "price of one weak call relative to one strong call, for cost_at_95", "0.01")
    .option("--json", "print JSON")
    .action((o: { train: string; test: string; strategy: string; epochs?: string; weakCost: string; json?: boolean }) => {
      if (o.strategy !== "router" && o.strategy !== "cascade") throw new Error(`--strategy must be router or cascade, not "${o.strategy}"`);
      const weakCostRatio = Number(o.weakCost);
      if (!(weakCostRatio >= 0)) throw new Error(`--weak-cost must be a number ≥ 0, not "${o.weakCost}"`);
      const result = runRoutingBench(readRoutingFile(o.train), readRoutingFile(o.test), {
        strategy: o.strategy as RoutingStrategy,
        epochs: o.epochs === undefined ? undefined : wholeNumber("--epochs", o.epochs, 1000),
        weakCostRatio,
      });
      print(result, o.json);
    });
  bench
    .command("completion")
    .description(
      "Chorus's own time per inline completion request (model time and debounce excluded), cache-hit time, and requests in flight under a burst of keystrokes.",
    )
    .option("--requests <n>", "sequential requests to time", "300")
    .option("--burst <n>", "keystrokes in the burst", "200")
    .option("--model-ms <n>", "simulated model time per request", "20")
    .option("--mode <id>", "completion mode to run (route, cascade, fallback, single)", "route")
    .option("--json", "print JSON")
    .action(async (o: { requests: string; burst: string; modelMs: string; mode: string; json?: boolean }) => {
      const result = await benchCompletion({
        requests: wholeNumber("--requests", o.requests),
        burst: wholeNumber("--burst", o.burst),
        modelMs: positive("--model-ms", o.modelMs),
        mode: o.mode,
      });
      print(result, o.json);
    });
}
