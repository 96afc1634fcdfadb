// The sidecar's HTTP server: 127.0.0.1 only, Host/Origin checks before anything else, the bearer token on every
// API route, and every handler wrapped so that a bad request or a bad model becomes a JSON error — never a crash.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkBearer, checkHostAndOrigin } from "./auth";
import { quoteText } from "../../core/quote";
import { ApiError, badRequest, errorBody, toApiError } from "./errors";
import type { SidecarServices } from "./generation-service";
import { readJsonBody, sendJson } from "./respond";
import { chatShape, completionShape, handleGeneration } from "./routes/generation-route";
import { listModels } from "./routes/models";
import { chatParams, completionParams } from "./routes/params";

/** Time a client has to send its request headers, then the whole request (headers and body). */
export const HEADERS_TIMEOUT_MS = 15_000;
export const REQUEST_TIMEOUT_MS = 30_000;

export interface SidecarServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export interface ServeOptions {
  token: string;
  /** 0 picks a free port. */
  port?: number;
  log?: (message: string) => void;
  /** Time a client has to send a whole request; default REQUEST_TIMEOUT_MS. */
  requestTimeoutMs?: number;
}

export async function startHttpServer(svc: SidecarServices, opts: ServeOptions): Promise<SidecarServer> {
  if (opts.token.length < 16) throw new Error("The sidecar token must be at least 16 characters.");
  let port = 0;
  // Node checks those timeouts on this interval (default 30 s), so the bound holds within a second.
  const server: Server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
    handle(svc, req, res, port, opts.token).catch((e: unknown) => {
      const err = toApiError(e);
      if (err.status >= 500) opts.log?.(`${req.method} ${req.url}: ${err.message}`);
      // A refusal sent before the body was read closes the connection: otherwise Node drains the unread body,
      // and a client trickling it a byte at a time keeps the socket (and its memory) for as long as it likes.
      if (!res.headersSent) sendJson(res, err.status, errorBody(err), { close: !req.complete });
      else if (!res.writableEnded) res.end();
    });
  });
  // Slow or stuck clients must not pin sockets: the headers and the whole body must arrive in bounded time (Node
  // answers 408 and closes). requestTimeout ends when the request is received, so a long generation is not cut.
  server.requestTimeout = opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  server.headersTimeout = Math.min(HEADERS_TIMEOUT_MS, server.requestTimeout);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(svc: SidecarServices, req: IncomingMessage, res: ServerResponse, port: number, token: string): Promise<void> {
  checkHostAndOrigin(req, port);
  const path = (req.url ?? "/").split("?")[0];
  if (path === "/health" && req.method === "GET") return sendJson(res, 200, { status: "ok" });
  checkBearer(req, token);
  const route = `${req.method} ${path?.replace(/\/+$/, "")}`;
  switch (route) {
    case "GET /v1/models":
      return sendJson(res, 200, await listModels(svc));
    case "POST /v1/completions": {
      const p = completionParams(await readJsonBody(req));
      const job = {
        model: p.model,
        input: { kind: "completion" as const, prompt: p.prompt, suffix: p.suffix, truncate: p.truncate },
        options: p.options,
        chorus: p.chorus,
      };
      return handleGeneration(svc, req, res, p, job, completionShape);
    }
    case "POST /v1/chat/completions": {
      const p = chatParams(await readJsonBody(req));
      const job = { model: p.model, input: { kind: "chat" as const, messages: p.messages }, options: p.options, chorus: p.chorus };
      return handleGeneration(svc, req, res, p, job, chatShape);
    }
    default:
      if (path?.startsWith("/v1/models/") && req.method === "GET") {
        const id = decodeModelId(path.slice("/v1/models/".length));
        const m = (await listModels(svc)).data.find((x) => x.id === id);
        if (!m) throw new ApiError(404, "not_found_error", `The model ${quoteText(id)} does not exist.`, "model_not_found");
        return sendJson(res, 200, m);
      }
      throw new ApiError(
        404,
        "not_found_error",
        `No route ${req.method} ${quoteText(path ?? "/")}. The sidecar serves /v1/models, /v1/completions and /v1/chat/completions.`,
        "unknown_route",
      );
  }
}

/** A model id from the URL path; a malformed %-escape is the client's mistake (400), not a server fault. */
function decodeModelId(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw badRequest(
      `The model id in the path, ${quoteText(encoded)}, is not valid percent-encoding; encode it with encodeURIComponent.`,
      null,
      "invalid_path",
    );
  }
}
