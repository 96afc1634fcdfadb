// Real parts for the sidecar tests: bigram GGUF models written by the project's own generator (their next-token
// log-probabilities are a table the test knows), and a real sidecar on a free port running llama.cpp, 1 thread, CPU.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import OpenAI, { APIError } from "openai";
import { copyGguf } from "../../../src/sidecar/gguf/copy";
import { meta } from "../../../src/sidecar/gguf/metadata";
import { ModelRegistry, type RegistryOptions } from "../../../src/sidecar/registry/registry";
import { startSidecar, type RunningSidecar, type SidecarConfig } from "../../../src/sidecar/server/start";
import { makeBigramModel, type BigramModel } from "../../../src/sidecar/testmodels/bigram";

export const TS_CORPUS =
  `export function add(a: number, b: number): number {\n  return a + b;\n}\nconst total = items.reduce((sum, item) => sum + item.price, 0);\ninterface User { id: string; name: string }\nexport const users: User[] = [];\nfunction greet(user: User): string {\n  return \`Hello, \${user.name}\`;\n}\n`.repeat(
    3,
  );
export const PY_CORPUS =
  `def add(a, b):\n    return a + b\n\ntotal = sum(item.price for item in items)\nclass User:\n    def __init__(self, name):\n        self.name = name\n\ndef greet(user):\n    return f"Hello, {user.name}"\n`.repeat(
    3,
  );

export interface Fixture {
  dir: string;
  ts: BigramModel;
  py: BigramModel;
  sidecar: RunningSidecar;
  token: string;
  client: OpenAI;
  close(): Promise<void>;
}

export const TOKEN = "test-token-0123456789abcdef";

export async function startFixture(extra: Partial<SidecarConfig> = {}, prepare?: (dir: string) => Promise<void>): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), "chorus-sidecar-"));
  const ts = await makeBigramModel({ corpus: TS_CORPUS, out: join(dir, "ts-bigram.gguf"), name: "ts bigram" });
  const py = await makeBigramModel({ corpus: PY_CORPUS, out: join(dir, "py-bigram.gguf"), name: "py bigram" });
  await prepare?.(dir);
  const sidecar = await startSidecar({
    token: TOKEN,
    modelFolders: [dir],
    useOllamaModels: false,
    memoryMb: 512,
    threads: 1,
    gpu: false,
    maxContext: 512,
    ...extra,
  });
  const client = new OpenAI({ baseURL: `${sidecar.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
  return {
    dir,
    ts,
    py,
    sidecar,
    token: TOKEN,
    client,
    async close() {
      await sidecar.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Byte ids of an ASCII string (the bigram models' tokens are bytes). */
export function bytesOf(s: string): number[] {
  return [...Buffer.from(s, "utf8")];
}

/** The error the sidecar answers a completion request for `model` with; fails the test when it is served. */
export async function refusal(f: Fixture, model: string): Promise<APIError> {
  try {
    await f.client.completions.create({ model, prompt: "a", max_tokens: 2 });
  } catch (e) {
    assert.ok(e instanceof APIError, String(e));
    return e;
  }
  assert.fail(`${model} was served`);
}

/** What one loaded model occupies here (weights, context, buffers), measured rather than guessed. */
export async function loadedModelBytes(options: RegistryOptions, model: string): Promise<number> {
  const probe = new ModelRegistry(options);
  try {
    const lease = await probe.acquire(model);
    const bytes = lease.model.sizeBytes;
    lease.release();
    return bytes;
  } finally {
    await probe.dispose();
  }
}

/** Three spare ids after a 261-token bigram model's 258 byte/control tokens serve as <PRE>, <SUF>, <MID>. */
export const FIM_TOKENS = { pre: 258, suf: 259, mid: 260 } as const;

/** A copy of a 261-token model that declares FIM tokens (as a FIM-trained code model's GGUF does). */
export async function writeFimModel(input: string, out: string): Promise<void> {
  await copyGguf({
    input,
    out,
    editMetadata: (m) => {
      m.set("tokenizer.ggml.fim_pre_token_id", meta.u32(FIM_TOKENS.pre));
      m.set("tokenizer.ggml.fim_suf_token_id", meta.u32(FIM_TOKENS.suf));
      m.set("tokenizer.ggml.fim_mid_token_id", meta.u32(FIM_TOKENS.mid));
      return m;
    },
  });
}

/** A small Jinja chat template: every turn as <|role|>content, then the assistant's opening. */
export const TEST_CHAT_TEMPLATE =
  "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}";

/** A copy of a model that carries a chat template (as an instruction-tuned model's GGUF does). */
export async function writeTemplatedModel(input: string, out: string, template = TEST_CHAT_TEMPLATE): Promise<void> {
  await copyGguf({
    input,
    out,
    editMetadata: (m) => {
      m.set("tokenizer.chat_template", meta.str(template));
      return m;
    },
  });
}
