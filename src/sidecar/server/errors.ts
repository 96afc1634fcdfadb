// Errors the sidecar answers with, in OpenAI's error shape so that every OpenAI client (the npm `openai` package,
// Chorus's own providers) reads them: {"error": {"message", "type", "param", "code"}}.

import { safeMessage } from "../../core/quote";

export type ApiErrorType = "invalid_request_error" | "authentication_error" | "permission_error" | "not_found_error" | "server_error";

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly type: ApiErrorType,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, "invalid_request_error", message, code, param);
export const notFound = (message: string, code = "model_not_found") => new ApiError(404, "not_found_error", message, code);

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export function errorBody(e: ApiError): ErrorBody {
  // Messages quote request fields, file contents and llama.cpp's words: escaped and capped for every client.
  return { error: { message: safeMessage(e.message), type: e.type, param: e.param, code: e.code } };
}

/** Anything thrown inside a handler becomes an ApiError; unknown failures are 500s whose message still says what broke. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  const message = e instanceof Error ? e.message : String(e);
  // A GGUF that failed validation is the caller's (or the user's) file, not a server fault.
  if (e instanceof Error && e.name === "GgufError") return new ApiError(422, "invalid_request_error", message, "model_invalid");
  // The mixer's own validation: a bad parameter, an unusable pairing of models.
  // Too long for the mixing context: the code a single model's refusal has, so clients (Chorus's review retry
  // among them) treat a preset like any model.
  if (e instanceof Error && e.name === "MixContextError") return new ApiError(400, "invalid_request_error", message, "context_length_exceeded");
  // A mix whose model has NaN or infinite weights (llama.cpp loads them without complaint).
  if (e instanceof Error && e.name === "NonFiniteLogitsError")
    return new ApiError(
      422,
      "invalid_request_error",
      `A model's next-token scores are NaN or infinite, so its weights are damaged (${message}); replace or remove its file.`,
      "model_output_invalid",
    );
  if (e instanceof Error && e.name === "VocabularyMismatchError") return new ApiError(400, "invalid_request_error", message, "vocabulary_mismatch");
  if (e instanceof Error && ["MixRequestError", "MixSpecError", "SamplingError", "LookaheadError"].includes(e.name))
    return new ApiError(400, "invalid_request_error", message, "invalid_mix");
  return new ApiError(500, "server_error", `The sidecar failed: ${message}`, "internal_error");
}
