// The sidecar's HTTP server: 127.0.0.1 only, Host/Origin checks before anything else, the bearer token on every
// API route, and every handler wrapped so that a bad request or a bad model becomes a JSON error — never a crash.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { checkBearer, checkHostAndOrigin } from "./auth";
import { ApiError, errorBody, toApiError } from "./errors";
import type { SidecarServices } from "./generation-service";
import { readJsonBody, sendJson } from "./respond";
import { chatShape, completionShape, handleGeneration } from "./routes/generation-route";
import { listModels } from "./routes/models";
import { chatParams, completionParams } from "./routes/params";

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
}

export async function startHttpServer(svc: SidecarServices, opts: ServeOptions): Promise<SidecarServer> {
  if (opts.token.length < 16) throw new Error("The sidecar token must be at least 16 characters.");
  let port = 0;
  const server: Server = createServer((req, res) => {
    handle(svc, req, res, port, opts.token).catch((e: unknown) => {
      const err = toApiError(e);
      if (err.status >= 500) opts.log?.(`${req.method} ${req.url}: ${err.message}`);
      if (!res.headersSent) sendJson(res, err.status, errorBody(err));
      else if (!res.writableEnded) res.end();
    });
  });
  // Slow or stuck clients must not pin sockets forever; generation itself can take long, so only headers are timed.
  server.headersTimeout = 15_000;
  server.requestTimeout = 0;
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
      return sendJson(res, 200, listModels(svc));
    case "POST /v1/completions": {
      const p = completionParams(await readJsonBody(req));
      const job = { model: p.model, input: { kind: "completion" as const, prompt: p.prompt, suffix: p.suffix, truncate: p.truncate }, options: p.options, chorus: p.chorus };
      return handleGeneration(svc, req, res, p, job, completionShape);
    }
    case "POST /v1/chat/completions": {
      const p = chatParams(await readJsonBody(req));
      const job = { model: p.model, input: { kind: "chat" as const, messages: p.messages }, options: p.options, chorus: p.chorus };
      return handleGeneration(svc, req, res, p, job, chatShape);
    }
    default:
      if (path?.startsWith("/v1/models/") && req.method === "GET") {
        const id = decodeURIComponent(path.slice("/v1/models/".length));
        const m = listModels(svc).data.find((x) => x.id === id);
        if (!m) throw new ApiError(404, "not_found_error", `The model "${id}" does not exist.`, "model_not_found");
        return sendJson(res, 200, m);
      }
      throw new ApiError(404, "not_found_error", `No route ${req.method} ${path}. The sidecar serves /v1/models, /v1/completions and /v1/chat/completions.`, "unknown_route");
  }
}
