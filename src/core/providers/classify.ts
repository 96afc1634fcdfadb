/**
 * Turns whatever a provider call threw (an HTTP error from the `ollama` or `openai` client, a socket error from
 * fetch, an abort, a cut stream) into one ProviderError whose kind callers can act on and whose message tells a
 * user what to do. Shared by every provider so the same failure reads the same everywhere.
 */

import { safeText } from "../quote";
import { ProviderError, type ProviderErrorKind } from "./errors";
import { hostFamily } from "./openai-hosts";
import { parseRetryAfter } from "./retry";
import type { ProviderKind } from "./types";

export interface ErrorContext {
  provider: ProviderKind;
  endpoint: string;
  model?: string;
  /** Whether an API key was sent; a 401 without one means "set a key", not "your key is wrong". */
  hasApiKey?: boolean;
  timeoutMs?: number;
  /** Retry-After of the last HTTP reply, for clients (like `ollama`) whose errors drop the headers. */
  retryAfter?: string | null;
}

/** Why our side stopped the request, if it did: decides between "timeout" and "cancelled" for an abort. */
export type StopReason = "timeout" | "cancelled" | undefined;

/** Worth retrying the same request on the same endpoint right away (after backoff). */
export function isRetryable(e: ProviderError): boolean {
  return e.details.retryable === true;
}

const REFUSED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);
const DROPPED = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED", "ECONNABORTED"]);

interface Facts {
  status?: number;
  serverMessage?: string;
  code?: string;
  retryAfter?: string | null;
  netCode?: string;
  /** fetch failed before any reply, for a reason without a socket error code ("bad port", TLS): the deepest cause. */
  connectFailure?: string;
  name?: string;
  message: string;
}

/** Pull status, server message and socket error code out of the error shapes our two clients produce. */
function facts(e: unknown): Facts {
  const f: Facts = { message: e instanceof Error ? e.message : String(e) };
  if (typeof e !== "object" || e === null) return f;
  const r = e as Record<string, unknown>;
  f.name = typeof r.name === "string" ? r.name : undefined;
  // openai: APIError {status, error: {message, code}, headers: Headers}
  if (typeof r.status === "number") f.status = r.status;
  // ollama: ResponseError {status_code, error: string}
  if (typeof r.status_code === "number") f.status = r.status_code;
  const body = r.error;
  if (typeof body === "string") f.serverMessage = body;
  else if (typeof body === "object" && body !== null) {
    const b = body as Record<string, unknown>;
    if (typeof b.message === "string") f.serverMessage = b.message;
    if (typeof b.code === "string") f.code = b.code;
  }
  const headers = r.headers;
  if (headers instanceof Headers)
    f.retryAfter = headers.get("retry-after-ms") !== null ? String(Number(headers.get("retry-after-ms")) / 1000) : headers.get("retry-after");
  // Socket failures hide in a chain of causes (APIConnectionError → TypeError "fetch failed" → Error {code}).
  let c: unknown = e;
  for (let depth = 0; depth < 6 && typeof c === "object" && c !== null; depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === "string" && (REFUSED.has(code) || DROPPED.has(code))) {
      f.netCode = code;
      break;
    }
    if (c instanceof TypeError && c.message === "terminated") f.netCode ??= "UND_ERR_SOCKET";
    if ((c instanceof TypeError && c.message === "fetch failed") || (c as { name?: unknown }).name === "APIConnectionError")
      f.connectFailure = "connection failed";
    else if (f.connectFailure && c instanceof Error) f.connectFailure = c.message;
    c = (c as { cause?: unknown }).cause;
  }
  return f;
}

function label(ctx: ErrorContext): string {
  if (ctx.provider === "ollama") return `Ollama at ${ctx.endpoint}`;
  if (ctx.provider === "sidecar") return `the Chorus sidecar at ${ctx.endpoint}`;
  return ctx.endpoint;
}

function modelName(ctx: ErrorContext): string {
  return ctx.model ? `'${ctx.model}'` : "the model";
}

function said(msg: string | undefined): string {
  if (!msg) return "";
  // A server's error body can be a 120 KB HTML page or carry terminal escapes: quoted escaped and capped.
  return ` (server said: ${safeText(msg, 300)})`;
}

const MODEL_MISSING = /model.*not found|model_not_found|does not exist|no such model|unknown model|not a valid model/i;
const CONTEXT =
  /context length|context window|maximum context|context_length_exceeded|too many tokens|exceeds the (?:context|available)|prompt is too long|input length exceeds/i;
const UNSUPPORTED =
  /does not support (?:insert|generate|chat|embed|fim|suffix)|suffix.{0,40}not (?:currently )?supported|not support(?:ed)? (?:suffix|embeddings|logprobs)|unsupported (?:parameter|argument).{0,20}suffix|logprobs.{0,40}not supported/i;
const CUT = /did not receive done|ended before|premature|unexpected end/i;

/**
 * Ollama forwards a cloud model's request to ollama.com; it answers 401 {"error": "unauthorized", "signin_url": …}
 * when this machine is not signed in, and 403 "ollama cloud is disabled: …" when cloud use is turned off
 * (server/routes.go GenerateHandler/ChatHandler, internal/cloud/policy.go). Neither is about an API key.
 */
function ollamaCloudRefusal(f: Facts, ctx: ErrorContext): string | undefined {
  const m = ctx.model ?? "this model";
  if (/^ollama cloud is disabled/i.test(f.serverMessage ?? ""))
    return `Ollama runs ${m} in its cloud, and cloud use is turned off in this Ollama — turn it on, or choose a local model.`;
  if (f.status === 401 && /^unauthorized$/i.test(f.serverMessage ?? ""))
    return `Ollama runs ${m} in its cloud and this machine is not signed in to ollama.com — run \`ollama signin\`, or choose a local model.`;
  return undefined;
}

export function classifyError(e: unknown, ctx: ErrorContext, stop: StopReason): ProviderError {
  // Our own stop wins over whatever it caused: the openai SDK ends an aborted stream quietly, which would
  // otherwise read as a reply cut short.
  if (e instanceof ProviderError && (stop === undefined || e.kind === stop)) return e;
  const f = facts(e);
  const where = label(ctx);
  const Where = where.charAt(0).toUpperCase() + where.slice(1);
  const base = { endpoint: ctx.endpoint, model: ctx.model, status: f.status, cause: e };
  const make = (kind: ProviderErrorKind, message: string, extra: { retryAfterMs?: number; retry?: boolean } = {}): ProviderError => {
    return new ProviderError(kind, message, { ...base, retryAfterMs: extra.retryAfterMs, ...(extra.retry ? { retryable: true } : {}) });
  };

  if (stop === "cancelled") return make("cancelled", `The request to ${modelName(ctx)} at ${ctx.endpoint} was cancelled.`);
  if (stop === "timeout") {
    const secs = ctx.timeoutMs !== undefined ? ` within ${Math.round(ctx.timeoutMs / 100) / 10} s` : " in time";
    const who = modelName(ctx);
    return make(
      "timeout",
      `${who.charAt(0).toUpperCase()}${who.slice(1)} at ${ctx.endpoint} did not answer${secs} — try again, raise the timeout, or choose a faster model.`,
    );
  }
  if (f.name === "AbortError" || f.name === "APIUserAbortError") return make("cancelled", `The request to ${modelName(ctx)} at ${ctx.endpoint} was cancelled.`);

  const text = `${f.serverMessage ?? ""} ${f.code ?? ""} ${f.status === undefined ? f.message : ""}`;

  if (f.status === undefined && f.netCode && REFUSED.has(f.netCode)) {
    if (ctx.provider === "ollama")
      return make("unreachable", `Ollama is not running at ${ctx.endpoint} — start it (\`ollama serve\`) or change chorus.ollamaUrl.`);
    if (ctx.provider === "sidecar")
      return make("unreachable", `The Chorus sidecar is not running at ${ctx.endpoint} — restart it with 'Chorus: Restart Sidecar' or check its log.`);
    return make("unreachable", `Cannot reach ${ctx.endpoint} (${f.netCode}) — check that the server is running and the endpoint in chorus.models is right.`);
  }
  if (f.status === undefined && f.netCode)
    return make("unreachable", `The connection to ${where} was lost mid-reply (${f.netCode}) — try again.`, { retry: true });
  if (f.status === undefined && f.connectFailure) {
    const todo =
      ctx.provider === "ollama"
        ? "check chorus.ollamaUrl"
        : ctx.provider === "sidecar"
          ? "restart it with 'Chorus: Restart Sidecar'"
          : "check the endpoint in chorus.models";
    return make("unreachable", `Cannot connect to ${where} (${f.connectFailure}) — ${todo}.`);
  }

  if (f.status === 401 || f.status === 403) {
    const cloud = ctx.provider === "ollama" ? ollamaCloudRefusal(f, ctx) : undefined;
    if (cloud) return make("unauthorized", cloud);
    if (ctx.provider === "sidecar")
      return make("unauthorized", `The Chorus sidecar at ${ctx.endpoint} rejected Chorus's access token — restart the sidecar ('Chorus: Restart Sidecar').`);
    if (ctx.hasApiKey === false) return make("unauthorized", `${Where} needs an API key and none is set — run 'Chorus: Set API Key…'.`);
    return make("unauthorized", `The API key for ${ctx.endpoint} was rejected (HTTP ${f.status}) — run 'Chorus: Set API Key…'.`);
  }
  if (f.status === 429 || /rate.?limit/i.test(text)) {
    const after = parseRetryAfter(f.retryAfter ?? ctx.retryAfter);
    const when = after !== undefined ? `retry after ${Math.ceil(after / 1000)} s` : "try again shortly";
    return make("rate_limited", `${Where} is rate-limiting requests — ${when}, or add a fallback model${said(f.serverMessage)}.`, {
      retryAfterMs: after,
      retry: true,
    });
  }
  if (CONTEXT.test(text) || f.status === 413)
    return make(
      "context_too_long",
      `The prompt is too long for ${modelName(ctx)} at ${ctx.endpoint} — shorten the input or choose a model with a larger context${said(f.serverMessage)}.`,
    );
  if (UNSUPPORTED.test(text))
    return make(
      "unsupported",
      `${modelName(ctx)} at ${ctx.endpoint} cannot do this request${said(f.serverMessage ?? f.message)} — choose a model that supports it.`,
    );
  if (MODEL_MISSING.test(text)) {
    const m = ctx.model ?? "the model";
    if (ctx.provider === "ollama") return make("model_missing", `Model '${m}' is not pulled in Ollama — run \`ollama pull ${m}\`.`);
    if (hostFamily(ctx.endpoint) === "azure")
      return make(
        "model_missing",
        `Deployment '${m}' does not exist at ${ctx.endpoint} — an Azure OpenAI model's name is its deployment's name (Azure portal → Deployments); check it in chorus.models${said(f.serverMessage)}.`,
      );
    return make("model_missing", `Model '${m}' does not exist at ${ctx.endpoint} — check the model name in chorus.models${said(f.serverMessage)}.`);
  }
  if (f.status === 404) {
    const hint =
      ctx.provider === "ollama" ? "check that chorus.ollamaUrl points at Ollama" : "check the endpoint URL (OpenAI-compatible servers usually end in /v1)";
    return make("server", `${Where} has no such API route (HTTP 404) — ${hint}${said(f.serverMessage)}.`);
  }
  if (f.status !== undefined && f.status >= 500) {
    const after = parseRetryAfter(f.retryAfter ?? ctx.retryAfter);
    return make("server", `${Where} failed (HTTP ${f.status}) — try again later${said(f.serverMessage)}.`, { retryAfterMs: after, retry: true });
  }
  if (f.status !== undefined) return make("server", `${Where} rejected the request (HTTP ${f.status})${said(f.serverMessage)}.`);
  if (e instanceof SyntaxError)
    return make(
      "malformed",
      `${Where} sent a reply Chorus cannot read (${f.message}) — check that the endpoint is an ${ctx.provider === "ollama" ? "Ollama" : "OpenAI-compatible"} server.`,
    );
  if (CUT.test(f.message)) return make("malformed", `The reply from ${modelName(ctx)} at ${ctx.endpoint} ended before it was complete — try again.`);
  if (f.serverMessage !== undefined || f.name === "Error" || f.name === "APIError")
    // An error the server reported inside an otherwise fine stream (Ollama's {"error": …} line, an SSE error event).
    return make("server", `${Where} reported an error: ${safeText(f.serverMessage ?? f.message, 300)}`);
  return make("malformed", `${Where} failed unexpectedly: ${f.message}`);
}
