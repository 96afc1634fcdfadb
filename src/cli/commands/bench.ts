// `chorus bench <name>`: benchmarks that print JSON (their code lives in bench/). Each benchmark is one module
// exporting `registerBench(bench)` that adds its subcommand; add yours to the list below.
import type { Command } from "commander";
import { registerBench as registerCodecsBench } from "./bench-codecs";
import { registerBench as registerMergeBench } from "./bench-merge";
import { registerBench as registerMixingBench } from "./bench-mixing";
import { registerBench as registerQualityBench } from "./bench-quality";
import { registerBench as registerRoutingBenches } from "./bench-routing";

const BENCHMARKS: ((bench: Command) => void)[] = [registerMergeBench, registerMixingBench, registerRoutingBenches, registerCodecsBench, registerQualityBench];

export function register(program: Command): void {
  const bench = program.command("bench").description("Run a benchmark and print its figures (--json for machine-readable output).");
  for (const add of BENCHMARKS) add(bench);
}
