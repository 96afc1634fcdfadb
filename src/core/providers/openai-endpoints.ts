/**
 * The SDK side of the clouds that speak the OpenAI API: Azure OpenAI's URL shape and key header, and Gemini's error
 * bodies that the SDK cannot read. Which cloud a URL is comes from openai-hosts.ts.
 */

import OpenAI, { AzureOpenAI } from "openai";
import { hostFamily } from "./openai-hosts";

// The latest generally-available Azure OpenAI data-plane version; a URL that names its own api-version wins.
export const DEFAULT_AZURE_API_VERSION = "2024-10-21";

export interface AzureShape {
  origin: string;
  /** The deployment named in the URL; otherwise the configured model name is the deployment. */
  deployment?: string;
  apiVersion: string;
  /** The v1 API (`/openai/v1`): OpenAI's own paths, the model in the body, no api-version needed. */
  v1: boolean;
}

/**
 * Read whatever a user pasted from the Azure portal: the resource root, `…/openai`, the v1 base
 * (`…/openai/v1`), or a full deployment URL with `?api-version=`.
 */
export function azureShape(baseURL: string): AzureShape {
  const u = new URL(baseURL);
  const deployment = /\/openai\/deployments\/([^/]+)/.exec(u.pathname)?.[1];
  return {
    origin: u.origin,
    deployment: deployment ? decodeURIComponent(deployment) : undefined,
    apiVersion: u.searchParams.get("api-version") ?? DEFAULT_AZURE_API_VERSION,
    v1: /\/openai\/v1(?:\/|$)/.test(u.pathname),
  };
}

export interface ClientOptions {
  baseURL: string;
  apiKey: string;
  fetch: typeof fetch;
  timeout: number;
}

/** An SDK client for the endpoint: Azure's (api-key header, deployment paths, api-version) or OpenAI's. */
export function sdkClient(o: ClientOptions): OpenAI {
  // organization/project null: never the user's OPENAI_ORG_ID from the environment; retries are guarded.ts's.
  const common = { apiKey: o.apiKey, organization: null, project: null, fetch: o.fetch, maxRetries: 0, timeout: o.timeout, logLevel: "off" as const };
  if (hostFamily(o.baseURL) !== "azure") return new OpenAI({ ...common, baseURL: o.baseURL });
  const az = azureShape(o.baseURL);
  // The v1 API takes OpenAI's paths; Azure still wants its key in `api-key`, not as a bearer token.
  if (az.v1) return new OpenAI({ ...common, baseURL: `${az.origin}/openai/v1`, defaultHeaders: { "api-key": o.apiKey } });
  // baseURL passed explicitly: left undefined, the SDK would read OPENAI_BASE_URL from the environment.
  return new AzureOpenAI({ ...common, baseURL: `${az.origin}/openai`, apiVersion: az.apiVersion, deployment: az.deployment });
}

/**
 * Gemini's OpenAI compatibility layer sends its errors as a one-element JSON list (`[{"error": {"code": 400,
 * "message": …, "status": "INVALID_ARGUMENT"}}]`); the SDK reads only an object's `error` and reports "400 status
 * code (no body)", losing the reason (e.g. kamilmac/unibear#10, dnakov/anon-kode#4). Unwrap such a list.
 */
export function unwrappingErrorLists(base: typeof fetch): typeof fetch {
  return async (input, init) => {
    const res = await base(input, init);
    if (res.ok) return res;
    const text = await res.text();
    let body = text;
    try {
      const v: unknown = JSON.parse(text);
      if (Array.isArray(v) && typeof v[0] === "object" && v[0] !== null && "error" in v[0]) body = JSON.stringify(v[0]);
    } catch {
      // not JSON: passed on as it came
    }
    const headers = new Headers(res.headers);
    // The body is decoded text now; its old length and encoding no longer describe it.
    headers.delete("content-length");
    headers.delete("content-encoding");
    return new Response(body, { status: res.status, statusText: res.statusText, headers });
  };
}
