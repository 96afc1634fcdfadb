// Who may talk to the sidecar. It listens on 127.0.0.1 only, but a web page in the user's browser can still reach
// loopback: a DNS-rebinding page sends a foreign Host, a plain cross-site fetch sends a foreign Origin. Both are
// refused before anything else runs, and every API call needs the per-launch bearer token.

import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { ApiError } from "./errors";

/** The Host values a local client sends for our port. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
}

export function checkHostAndOrigin(req: IncomingMessage, port: number): void {
  const hosts = allowedHosts(port);
  const host = (req.headers.host ?? "").toLowerCase();
  if (!hosts.has(host)) {
    throw new ApiError(403, "permission_error", `Host "${host || "(none)"}" is not this sidecar; connect to http://127.0.0.1:${port}.`, "forbidden_host");
  }
  const origin = req.headers.origin;
  // Node clients send no Origin. A browser always does on cross-origin requests; only our own origin may pass.
  if (origin !== undefined) {
    let originHost: string | undefined;
    try {
      const u = new URL(origin);
      originHost = u.protocol === "http:" ? u.host.toLowerCase() : undefined;
    } catch {
      originHost = undefined;
    }
    if (!originHost || !hosts.has(originHost)) {
      throw new ApiError(
        403,
        "permission_error",
        `Requests from the origin "${origin}" are not allowed; the sidecar serves local clients only.`,
        "forbidden_origin",
      );
    }
  }
}

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

/** Constant-time check of `Authorization: Bearer <token>`: hashing first makes both sides the same length. */
export function checkBearer(req: IncomingMessage, token: string): void {
  const header = req.headers.authorization ?? "";
  const m = /^Bearer\s+(.+)$/i.exec(header.trim());
  const given = m?.[1] ?? "";
  if (!timingSafeEqual(digest(given), digest(token)) || given === "") {
    throw new ApiError(
      401,
      "authentication_error",
      header
        ? "The bearer token is wrong. Use the token the sidecar printed when it started."
        : "Missing Authorization: Bearer <token>. Use the token the sidecar printed when it started.",
      "invalid_api_key",
    );
  }
}
