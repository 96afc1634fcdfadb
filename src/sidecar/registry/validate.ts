// Every GGUF is checked before llama.cpp opens it: llama.cpp aborts the whole process (GGML_ASSERT) on some
// malformed files, and a dead sidecar is never an acceptable answer to a bad file. A file is checked once per
// (size, mtime); a changed file is checked again.

import { statSync } from "node:fs";
import { validateForLlama } from "../gguf/validate";

export type GgufValidator = (path: string) => Promise<void>;

/** The GGUF engineer's checks: the header and every tensor's bounds, plus the keys, head counts, RoPE
 *  dimensions and tensor shapes the architecture needs. */
export const validateGgufHeader: GgufValidator = async (path) => {
  await validateForLlama(path);
};

export function cachedValidator(validate: GgufValidator): GgufValidator {
  const ok = new Map<string, string>();
  return async (path) => {
    const st = statSync(path);
    const stamp = `${st.size}:${st.mtimeMs}`;
    if (ok.get(path) === stamp) return;
    await validate(path);
    ok.set(path, stamp);
  };
}
