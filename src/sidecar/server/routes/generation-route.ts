// One handler for POST /v1/completions and /v1/chat/completions: validate, run the job, answer whole or as SSE.
// A client that disconnects aborts the job (checked every token); an error after streaming began is sent as a
// final SSE error event, since the status line has already gone out.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { GeneratedPiece } from "../../generation/generate";
import type { AnyLogprobEntry } from "../../generation/generate";
import { errorBody, toApiError } from "../errors";
import type { Job, JobResult, SidecarServices } from "../generation-service";
import { runJob } from "../generation-service";
import { sendJson } from "../respond";
import { SseWriter } from "../sse";
import { chatLogprobs, completionLogprobs, newId, usage } from "./openai-shapes";
import type { CommonParams } from "./params";

export interface RouteShape {
  idPrefix: string;
  object: string;
  chunkObject: string;
  /** The first streamed chunk (chat sends the assistant role), if any. */
  opening?: () => Record<string, unknown>;
  piece(text: string, logprobs: AnyLogprobEntry[] | null, offset: number): Record<string, unknown>;
  final(finish: string): Record<string, unknown>;
  whole(r: JobResult, wantLogprobs: boolean): Record<string, unknown>;
}

export async function handleGeneration(
  svc: SidecarServices,
  req: IncomingMessage,
  res: ServerResponse,
  params: CommonParams,
  requested: Job,
  shape: RouteShape,
): Promise<void> {
  const job: Job = { ...requested, echo: params.echo, promptLogprobs: params.promptLogprobs };
  const abort = new AbortController();
  // "close" on the response fires when the socket goes away; a finished reply has writableFinished set.
  res.on("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  const id = newId(shape.idPrefix);
  const created = Math.floor(Date.now() / 1000);
  const wantLogprobs = params.options.topLogprobs !== undefined;
  const envelope = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id,
    object: shape.chunkObject,
    created,
    model: params.model,
    system_fingerprint: null,
    choices,
    ...(params.includeUsage ? { usage: null } : {}),
    ...extra,
  });

  if (!params.stream) {
    const r = await runJob(svc, job, abort.signal, () => undefined);
    sendJson(res, 200, {
      id,
      object: shape.object,
      created,
      model: params.model,
      system_fingerprint: null,
      ...shape.whole(r, wantLogprobs),
      usage: usage(r.promptTokens, r.completionTokens),
      chorus: { prompt_format: r.format, ...r.report },
    });
    return;
  }

  const sse = new SseWriter(res);
  let offset = 0;
  // The stream opens with the first piece, so a request that fails before any output (unknown model, bad file,
  // bad mix) still gets a proper HTTP status and JSON error, as OpenAI's API does.
  const open = () => {
    if (!sse.isStarted && shape.opening) sse.send(envelope([{ index: 0, ...shape.opening(), logprobs: null, finish_reason: null }]));
  };
  try {
    const onPiece = (p: GeneratedPiece) => {
      if (p.text === "" && p.logprobs.length === 0) return;
      open();
      sse.send(envelope([{ index: 0, ...shape.piece(p.text, wantLogprobs ? p.logprobs : null, offset), finish_reason: null }]));
      offset += p.text.length;
    };
    const r = await runJob(svc, job, abort.signal, onPiece);
    open();
    sse.send(
      envelope([{ index: 0, ...shape.final(r.finishReason), logprobs: null, finish_reason: r.finishReason }], {
        chorus: { prompt_format: r.format, ...r.report },
      }),
    );
    if (params.includeUsage) sse.send({ ...envelope([]), usage: usage(r.promptTokens, r.completionTokens) });
    sse.done();
  } catch (e) {
    if (abort.signal.aborted) return;
    if (!sse.isStarted) throw e;
    // Headers are gone: the error becomes the last event, as OpenAI streams report mid-stream failures.
    sse.send(errorBody(toApiError(e)));
    sse.done();
  }
}

export const completionShape: RouteShape = {
  idPrefix: "cmpl",
  object: "text_completion",
  chunkObject: "text_completion",
  piece: (text, lp, offset) => ({ text, logprobs: lp ? completionLogprobs(lp, offset) : null }),
  final: () => ({ text: "" }),
  // With echo the prompt (and its scored tokens) come first, as OpenAI's legacy completions return them.
  whole: (r, wantLogprobs) => ({
    choices: [
      {
        index: 0,
        text: (r.echoed?.text ?? "") + r.text,
        logprobs: wantLogprobs ? completionLogprobs([...(r.echoed?.logprobs ?? []), ...r.logprobs], 0) : null,
        finish_reason: r.finishReason,
        ...(r.promptLogprobs ? { prompt_logprobs: r.promptLogprobs } : {}),
      },
    ],
  }),
};

export const chatShape: RouteShape = {
  idPrefix: "chatcmpl",
  object: "chat.completion",
  chunkObject: "chat.completion.chunk",
  opening: () => ({ delta: { role: "assistant", content: "" } }),
  piece: (text, lp) => ({ delta: { content: text }, logprobs: lp ? chatLogprobs(lp) : null }),
  final: () => ({ delta: {} }),
  whole: (r, wantLogprobs) => ({
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: r.text, refusal: null },
        logprobs: wantLogprobs ? chatLogprobs(r.logprobs) : null,
        finish_reason: r.finishReason,
      },
    ],
  }),
};
