// How long a 7.5 MB prompt holds the sidecar's event loop (issue #22, item 3). A real sidecar (llama.cpp, a bigram
// GGUF, 1 thread, CPU) gets the big request while other clients list the models in a loop; a 1 ms probe timer
// records each gap between its ticks, both in wall time (which also counts the time this process waited for a
// CPU on a busy machine) and in the main thread's own CPU time (what the sidecar itself held the loop for; from
// /proc/thread-self/schedstat). Also: how long the plain bisection of fit-prompt.ts holds the loop in one
// synchronous run on the same prompt, for comparison. Prints JSON.
//
//   node --import tsx bench/fit-prompt-loop.ts [--runs 3] [--no-plain]

import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fitByLines } from "../src/sidecar/generation/fit-prompt";
import { completionPrompt } from "../src/sidecar/generation/prompts";
import { startSidecar, type RunningSidecar } from "../src/sidecar/server/start";
import { makeBigramModel } from "../src/sidecar/testmodels/bigram";
import { mainThreadSchedstat } from "../src/bench/thread-schedstat";

const TOKEN = "bench-token-0123456789abcdef";
const CODE = `export function add(a: number, b: number): number {\n  return a + b;\n}\nconst total = items.reduce((sum, item) => sum + item.price, 0);\n`;
const BIG = CODE.repeat(Math.ceil(7.5e6 / CODE.length));

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

function call(s: RunningSidecar, path: string, body?: Buffer): Promise<number> {
  const headers = { host: `127.0.0.1:${s.port}`, authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: s.port, path, method: body ? "POST" : "GET", headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A 1 ms timer that records the longest gaps between its ticks, in wall time and in main-thread CPU time. */
function loopProbe() {
  const wall: number[] = [];
  const cpu: number[] = [];
  let lastWall = performance.now();
  let lastCpu = mainThreadSchedstat()?.onCpuMs;
  const timer = setInterval(() => {
    const now = performance.now();
    const onCpu = mainThreadSchedstat()?.onCpuMs;
    wall.push(now - lastWall);
    if (onCpu !== undefined && lastCpu !== undefined) cpu.push(onCpu - lastCpu);
    lastWall = now;
    lastCpu = onCpu;
  }, 1);
  const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? 0;
  return {
    stop() {
      clearInterval(timer);
      return {
        max_loop_delay_ms: round(Math.max(0, ...wall)),
        p99_loop_delay_ms: round(p99(wall)),
        max_loop_busy_cpu_ms: cpu.length ? round(Math.max(...cpu)) : null,
        p99_loop_busy_cpu_ms: cpu.length ? round(p99(cpu)) : null,
      };
    },
  };
}

async function scenario(s: RunningSidecar, body: Record<string, unknown>) {
  const bytes = Buffer.from(JSON.stringify({ model: "ts-bigram", max_tokens: 3, temperature: 0, ...body }));
  let done = false;
  let answered = 0;
  const probe = loopProbe();
  const started = performance.now();
  const others = Promise.all(
    [1, 2].map(async () => {
      while (!done) if ((await call(s, "/v1/models")) === 200) answered++;
    }),
  );
  const status = await call(s, "/v1/completions", bytes);
  const ms = performance.now() - started;
  done = true;
  await others;
  return { status, big_request_ms: round(ms), other_requests_answered_meanwhile: answered, ...probe.stop() };
}

/** The plain bisection (fit-prompt.ts) on the same prompt and tokenizer: one synchronous run, ms. */
async function plainFitMs(s: RunningSidecar): Promise<number> {
  const lease = await s.registry.acquire("ts-bigram");
  try {
    const model = lease.model.model;
    const started = performance.now();
    const size = (p: { prefix: string }) => completionPrompt(model, p.prefix, undefined).tokens.length;
    if (size({ prefix: BIG }) > 509) fitByLines({ prefix: BIG, suffix: "" }, 509, size);
    return round(performance.now() - started);
  } finally {
    lease.release();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = Number(args[args.indexOf("--runs") + 1] ?? 3) || 3;
  const dir = mkdtempSync(join(tmpdir(), "chorus-fit-bench-"));
  await makeBigramModel({ corpus: CODE.repeat(4), out: join(dir, "ts-bigram.gguf"), name: "ts bigram" });
  const s = await startSidecar({ token: TOKEN, modelFolders: [dir], useOllamaModels: false, memoryMb: 512, threads: 1, gpu: false, maxContext: 512 });
  try {
    await call(s, "/v1/completions", Buffer.from(JSON.stringify({ model: "ts-bigram", prompt: "a", max_tokens: 1 }))); // load it first
    const results = [];
    for (let i = 0; i < runs; i++) {
      results.push({
        truncate_prompt_tokens: await scenario(s, { prompt: BIG, truncate_prompt_tokens: -1 }),
        too_long_without_truncate: await scenario(s, { prompt: BIG }),
        one_line_too_long: await scenario(s, { prompt: "x".repeat(BIG.length), truncate_prompt_tokens: -1 }),
      });
    }
    const plain = args.includes("--no-plain") ? null : await plainFitMs(s);
    console.log(
      JSON.stringify(
        {
          prompt_mb: round(BIG.length / 1e6, 2),
          context: 512,
          runs: results,
          plain_bisection_blocking_ms: plain,
          load_average_1m: round(loadavg()[0]!),
          cores: availableParallelism(),
        },
        null,
        2,
      ),
    );
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
