// `chorus serve` serves mixing presets from the config file ("sidecar": {"presets": …}, as chorus.sidecar.presets)
// and from --preset NAME=JSON flags, so an OpenAI client can use a preset without VS Code. Runs the real CLI.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { presetsFromFlags } from "../../../src/sidecar/presets";
import { writeGemma3Export } from "../../../src/sidecar/testmodels/ollama-gemma3";
import { makeBigramModel } from "../../../src/sidecar/testmodels/bigram";
import { PY_CORPUS, TS_CORPUS } from "./helpers";

const ROOT = join(__dirname, "../../..");
const CLI = ["--import", "tsx", join(ROOT, "src/cli/main.ts")];
let dir: string;
let config: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "chorus-serve-presets-"));
  await makeBigramModel({ corpus: TS_CORPUS, out: join(dir, "ts-bigram.gguf") });
  // The same byte tokenizer padded to 300 ids (as converters pad to the embedding size): it mixes with ts-bigram.
  await makeBigramModel({ corpus: PY_CORPUS, out: join(dir, "py-padded.gguf"), vocabSize: 300 });
  // A file llama.cpp refuses (Ollama's gemma3 export lacks a key its loader requires): named at start, with why.
  await writeGemma3Export(join(dir, "ts-bigram.gguf"), join(dir, "gemma3-export.gguf"));
  config = join(dir, "chorus.json");
  writeFileSync(
    config,
    JSON.stringify({
      sidecar: {
        presets: {
          "file-mix": {
            strategy: "product",
            models: [
              { model: "ts-bigram", weight: 1 },
              { model: "py-padded", weight: 1 },
            ],
          },
          "shared-name": { strategy: "deferral", small: "ts-bigram", large: "py-padded" },
          broken: { strategy: "contrastive", expert: "ts-bigram" },
          ghost: { strategy: "deferral", small: "ts-bigram", large: "not-served" },
        },
      },
    }),
  );
});
after(() => dir && rmSync(dir, { recursive: true, force: true }));

interface Served {
  child: ChildProcess;
  url: string;
  token: string;
  stderr: () => string;
}

/** Start `chorus serve` and wait for the URL and token it prints (and its last line, after any warnings). */
function serve(args: string[]): Promise<Served> {
  const child = spawn(process.execPath, [...CLI, "-c", config, "serve", "--models", dir, "--no-ollama", "--no-gpu", "--threads", "1", "--port", "0", ...args], {
    cwd: ROOT,
  });
  let out = "";
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chorus serve printed no token in 90 s; stderr: ${err}`)), 90_000);
    child.once("exit", (code) => reject(new Error(`chorus serve exited (${code}): ${err}`)));
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http\S+)/.exec(out)?.[1];
      const token = /Token: (\S+)/.exec(out)?.[1];
      if (url && token && out.includes("Press Ctrl+C")) {
        clearTimeout(timer);
        resolve({ child, url, token, stderr: () => err });
      }
    });
  });
}

async function stop(s: Served): Promise<void> {
  const exited = new Promise((r) => s.child.once("exit", r));
  s.child.kill("SIGINT");
  await exited;
}

void test("presets from the config file and from --preset are served as chorus/NAME to any OpenAI client", async () => {
  const flag = `flag-mix={"strategy":"contrastive","expert":"py-padded","amateur":"ts-bigram","topK":"all"}`;
  const override = `shared-name={"strategy":"product","models":[{"model":"py-padded","weight":2},{"model":"ts-bigram","weight":1}]}`;
  const s = await serve(["--preset", flag, "--preset", override]);
  try {
    const auth = { authorization: `Bearer ${s.token}`, "content-type": "application/json" };
    const models = (await (await fetch(`${s.url}/v1/models`, { headers: auth })).json()) as { data: { id: string; chorus?: { description?: string } }[] };
    const ids = models.data.map((m) => m.id);
    for (const id of ["chorus/file-mix", "chorus/flag-mix", "chorus/shared-name"]) assert.ok(ids.includes(id), `${id} in ${ids.join(", ")}`);
    assert.ok(!ids.includes("chorus/broken"), "a broken config entry is not served");
    // The flag wins over the config file's entry of the same name.
    assert.match(JSON.stringify(models.data.find((m) => m.id === "chorus/shared-name")), /Product of experts/);
    assert.match(s.stderr(), /warning: .*chorus\.json: sidecar\.presets\.broken/, "the broken entry is reported, naming the file");
    assert.match(s.stderr(), /warning: preset chorus\/ghost uses "not-served", which this server does not serve/);
    assert.match(s.stderr(), /warning: model gemma3-export cannot be used: .*gemma3\.attention\.layer_norm_rms_epsilon is missing/);
    for (const model of ["chorus/flag-mix", "chorus/file-mix"]) {
      const res = await fetch(`${s.url}/v1/completions`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ model, prompt: "export function ", max_tokens: 6, temperature: 0 }),
      });
      const body = (await res.json()) as { choices?: { text: string }[]; error?: { message: string } };
      assert.equal(res.status, 200, `${model}: ${JSON.stringify(body)}`);
      assert.equal(typeof body.choices?.[0]?.text, "string");
      assert.ok(body.choices![0]!.text.length > 0, `${model} wrote text`);
    }
  } finally {
    await stop(s);
  }
});

void test("a bad --preset stops chorus serve with what to fix", () => {
  const run = (flag: string) =>
    spawnSync(process.execPath, [...CLI, "-c", config, "serve", "--models", dir, "--no-ollama", "--port", "0", "--preset", flag], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
  const noJson = run("mine={strategy: product}");
  assert.equal(noJson.status, 1);
  assert.match(noJson.stderr, /--preset mine: the mix spec is not valid JSON .*e\.g\. --preset NAME=/);
  const invalid = run(`mine={"strategy":"contrastive","expert":"ts-bigram"}`);
  assert.equal(invalid.status, 1);
  assert.match(invalid.stderr, /--preset\.mine/);
  assert.match(run("just-a-name").stderr, /--preset expects NAME=JSON/);
});

void test("--preset flags parse as the setting does; a later flag of one name wins", () => {
  const presets = presetsFromFlags([`a={"strategy":"deferral","small":"s","large":"l"}`, `a={"strategy":"deferral","small":"s","large":"l","tau":0.3}`]);
  assert.equal(presets.length, 1);
  assert.equal(presets[0]!.spec.strategy === "deferral" && presets[0]!.spec.tau, 0.3);
});
