// Reading request bodies and writing JSON replies, with a size cap so a huge or endless body cannot exhaust memory.

import type { IncomingMessage, ServerResponse } from "node:http";
import { safeText } from "../../core/quote";
import { ApiError, badRequest } from "./errors";

export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** `close`: end the connection after this reply (a refusal sent before the request body was read). */
export function sendJson(res: ServerResponse, status: number, body: unknown, opts: { close?: boolean } = {}): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    "Cache-Control": "no-store",
  };
  if (opts.close) headers.Connection = "close";
  res.writeHead(status, headers);
  res.end(text);
}

export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\b/i.test(type))
    throw new ApiError(
      415,
      "invalid_request_error",
      `Send the body as JSON with Content-Type: application/json (got "${type || "none"}").`,
      "unsupported_media_type",
    );
  // Decoded chunk by chunk as it arrives: decoding 8 MB at the end would hold the event loop for tens of ms.
  const decoder = new TextDecoder("utf-8");
  const parts: string[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new ApiError(
        413,
        "invalid_request_error",
        `The request body is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB; send less context.`,
        "body_too_large",
      );
    parts.push(decoder.decode(chunk as Buffer, { stream: true }));
  }
  parts.push(decoder.decode());
  const text = parts.join("");
  try {
    return JSON.parse(text);
  } catch (e) {
    // V8's message quotes the body around the fault: capped and escaped like every quoted text.
    throw badRequest(`The request body is not valid JSON: ${safeText(e instanceof Error ? e.message : String(e))}.`);
  }
}
