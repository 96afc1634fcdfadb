// Encode speed of the k-quant encoders (Q4_K, Q5_K, Q6_K) on the same 4M Gaussian-ish float32 values, in float32
// MB per CPU second (this process's user+system time, so other load on the machine counts less than in wall time):
// min / median / max over --runs runs (default 5) after one warm-up run of each. With --baseline DIR (a source tree
// of another commit, e.g. `git archive <commit> src | tar -x -C DIR`) both versions run in turn, A B A B, in this
// one process, and each run's ratio is reported too, so a drift in the machine's speed hits both alike.
//   node --import tsx bench/kquant-encode-speed.ts [--runs N] [--baseline DIR]
// Prints JSON; the load average at start and end says how busy the machine was.
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { seededFloats } from "../test/unit/gguf/helpers";

type Quantize = (type: number, values: Float32Array) => Uint8Array;
const TYPES: Record<string, number> = { Q4_K: 12, Q5_K: 13, Q6_K: 14 };
const COUNT = 4 * 1024 * 1024;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function loadQuantize(srcDir: string): Promise<Quantize> {
  const mod = (await import(join(srcDir, "sidecar/gguf/codecs/index.ts"))) as { quantize: Quantize };
  return mod.quantize;
}

/** MB of float32 input encoded per CPU second. */
function timeOnce(quantize: Quantize, type: number, values: Float32Array): number {
  const start = process.cpuUsage();
  quantize(type, values);
  const used = process.cpuUsage(start);
  return values.byteLength / 1e6 / ((used.user + used.system) / 1e6);
}

function summary(xs: number[]): { min: number; median: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return { min: round(s[0]!), median: round(s[Math.floor(s.length / 2)]!), max: round(s[s.length - 1]!) };
}

async function main(): Promise<void> {
  const runs = Number(flag("--runs") ?? 5);
  const baselineDir = flag("--baseline");
  const a = seededFloats(COUNT, 3, 0.05);
  const b = seededFloats(COUNT, 4, 0.05);
  const values = a.map((x, i) => x + b[i]!);
  const versions: [string, Quantize][] = [["current", await loadQuantize(resolve(__dirname, "../src"))]];
  if (baselineDir) versions.push(["baseline", await loadQuantize(resolve(baselineDir))]);
  const load1mStart = loadavg()[0]!;
  const result: Record<string, unknown> = {};
  for (const [name, type] of Object.entries(TYPES)) {
    const speeds = new Map<string, number[]>(versions.map(([v]) => [v, []]));
    for (const [, q] of versions) timeOnce(q, type, values); // warm-up
    for (let r = 0; r < runs; r++) {
      // Alternate which version goes first, so neither always meets the same moment of the machine's load.
      const order = r % 2 ? [...versions].reverse() : versions;
      for (const [v, q] of order) speeds.get(v)!.push(timeOnce(q, type, values));
    }
    const entry: Record<string, unknown> = {};
    for (const [v, xs] of speeds) entry[v] = { cpu_mb_per_s: summary(xs), runs: xs.map((x) => Math.round(x * 100) / 100) };
    if (baselineDir) {
      const cur = speeds.get("current")!;
      const base = speeds.get("baseline")!;
      entry.speedup = summary(cur.map((x, i) => x / base[i]!));
    }
    result[name] = entry;
  }
  console.log(JSON.stringify({ values: COUNT, runs, encode: result, load_average_1m: [load1mStart, loadavg()[0]!] }));
}

void main();
