// Make a merged GGUF available to the user's Ollama under a name: upload the file as a blob (skipped when Ollama
// already has it), then create a model whose only layer is that blob — with the template, parameters and system
// prompt of the Ollama model it was merged from, because those make the model work in Ollama: a template with
// .Suffix is what gives "insert" (FIM), and its stop parameters end each answer (server/images.go Capabilities;
// /api/create takes template, system and parameters, api/types.go CreateRequest). ollama-js refuses `from: <local path>` and
// has no blob call, so the upload is a plain HTTP request to Ollama's /api/blobs; the create goes through the client.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import * as path from "node:path";
import { Readable } from "node:stream";
import { Ollama, type CreateRequest } from "ollama";

export interface RegisterOptions {
  /** Ollama's base URL, e.g. http://127.0.0.1:11434 (the chorus.ollamaUrl setting). */
  url: string;
  signal?: AbortSignal;
  /** Human-readable steps: "hashing", "uploading", Ollama's own statuses. */
  onStatus?: (status: string) => void;
  fetch?: typeof fetch;
  /** The Ollama model this one was merged from: its template, parameters and system prompt are kept. Without it,
   *  Ollama guesses a chat template from the GGUF and the model loses FIM and its stop tokens. */
  like?: string;
}

/** What the new model keeps from its source, in /api/create's fields. */
interface KeptSettings {
  template?: string;
  system?: string;
  parameters?: Record<string, unknown>;
}

export class OllamaRegisterError extends Error {
  override readonly name = "OllamaRegisterError";
}

/** Ollama model names: lowercase-ish name with optional namespace and tag; refuse what Ollama would refuse. */
export function checkOllamaModelName(name: string): void {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]*(\/[a-zA-Z0-9][a-zA-Z0-9._-]*)?(:[a-zA-Z0-9][a-zA-Z0-9._-]{0,127})?$/.test(name))
    throw new OllamaRegisterError(`"${name}" is not a valid Ollama model name: use letters, digits, ".", "_", "-", optionally "namespace/" and ":tag"`);
}

async function sha256OfFile(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20, signal })) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

function unreachable(url: string, cause: unknown): OllamaRegisterError {
  const e = new OllamaRegisterError(
    `Ollama is not running at ${url} — start it (ollama serve), or point Chorus at it: the chorus.ollamaUrl setting, or --ollama-url on the command line`,
  );
  (e as { cause?: unknown }).cause = cause;
  return e;
}

async function request(doFetch: typeof fetch, url: string, init: RequestInit, base: string): Promise<Response> {
  try {
    return await doFetch(url, init);
  } catch (e) {
    if ((e as Error).name === "AbortError") throw e;
    throw unreachable(base, e);
  }
}

/** Upload the model file unless Ollama already holds a blob with its digest. */
async function ensureBlob(file: string, digest: string, size: number, o: RegisterOptions, doFetch: typeof fetch): Promise<void> {
  const base = o.url.replace(/\/+$/, "");
  const blobUrl = `${base}/api/blobs/${digest}`;
  const head = await request(doFetch, blobUrl, { method: "HEAD", signal: o.signal }, base);
  if (head.ok) return;
  o.onStatus?.(`uploading ${(size / 1e6).toFixed(0)} MB to Ollama`);
  const body = Readable.toWeb(createReadStream(file, { highWaterMark: 1 << 20 })) as ReadableStream<Uint8Array>;
  const res = await request(
    doFetch,
    blobUrl,
    { method: "POST", body, signal: o.signal, headers: { "content-length": String(size) }, duplex: "half" } as RequestInit,
    base,
  );
  if (!res.ok) throw new OllamaRegisterError(`Ollama refused the upload of ${path.basename(file)}: HTTP ${res.status} ${await res.text()}`);
}

/**
 * /api/show prints parameters as Modelfile lines, `name value` (values of `stop` quoted, one line per stop); /api/create
 * wants them as a map, with the repeated `stop` as a list.
 */
export function parseOllamaParameters(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*(\S+)\s+(.+?)\s*$/.exec(line);
    if (!m) continue;
    const [, key, raw] = m as unknown as [string, string, string];
    let value: unknown = raw;
    if (/^".*"$/.test(raw)) {
      try {
        value = JSON.parse(raw);
      } catch {
        value = raw.slice(1, -1);
      }
    } else if (/^-?\d+(\.\d+)?$/.test(raw)) value = Number(raw);
    else if (raw === "true" || raw === "false") value = raw === "true";
    if (key === "stop") out.stop = [...((out.stop as unknown[] | undefined) ?? []), value];
    else out[key] = value;
  }
  return out;
}

async function settingsOf(client: Ollama, like: string, url: string): Promise<KeptSettings> {
  let shown;
  try {
    shown = await client.show({ model: like });
  } catch (e) {
    if ((e as Error).name === "ResponseError")
      throw new OllamaRegisterError(
        `cannot keep the template of "${like}": Ollama says ${(e as Error).message} — pull it first, or register without a source model`,
      );
    throw unreachable(url, e);
  }
  const kept: KeptSettings = {};
  if (typeof shown.template === "string" && shown.template !== "") kept.template = shown.template;
  if (typeof shown.system === "string" && shown.system !== "") kept.system = shown.system;
  const params = typeof shown.parameters === "string" ? parseOllamaParameters(shown.parameters) : {};
  if (Object.keys(params).length > 0) kept.parameters = params;
  return kept;
}

/** Register `file` with Ollama as model `name`. Resolves when Ollama reports success. */
export async function registerWithOllama(file: string, name: string, o: RegisterOptions): Promise<void> {
  checkOllamaModelName(name);
  const doFetch = o.fetch ?? fetch;
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    throw new OllamaRegisterError(`cannot register ${file} with Ollama: the file does not exist`);
  }
  const client = new Ollama({ host: o.url, fetch: doFetch });
  // Read the source's settings first: a wrong source name should fail before a long upload.
  const kept = o.like !== undefined ? await settingsOf(client, o.like, o.url) : {};
  o.onStatus?.("computing the file's digest");
  const digest = await sha256OfFile(file, o.signal);
  await ensureBlob(file, digest, size, o, doFetch);
  // `files` is Ollama's create-from-blob field; this client version does not declare it but passes it through.
  const req = { model: name, files: { [path.basename(file)]: digest }, ...kept, stream: true as const } as CreateRequest & { stream: true };
  let stream;
  try {
    stream = await client.create(req);
  } catch (e) {
    if ((e as Error).name === "ResponseError") throw new OllamaRegisterError(`Ollama could not create ${name}: ${(e as Error).message}`);
    throw unreachable(o.url, e);
  }
  const onAbort = () => stream.abort();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    let last = "";
    for await (const p of stream) {
      last = p.status;
      o.onStatus?.(p.status);
    }
    if (last !== "success") throw new OllamaRegisterError(`Ollama stopped creating ${name} without success (last status: ${last || "none"})`);
  } catch (e) {
    if (o.signal?.aborted) throw o.signal.reason ?? e;
    if (e instanceof OllamaRegisterError) throw e;
    throw new OllamaRegisterError(`Ollama could not create ${name}: ${(e as Error).message}`);
  } finally {
    o.signal?.removeEventListener("abort", onAbort);
  }
}
