// A merged model is proven before it is given its name: the header checks the sidecar uses, then a load in the
// helper process (isolate/model-probe.ts). Merging files llama.cpp cannot use (a norm stored as F16 comes out F32,
// but metadata such as an expert count on a dense model is copied) can make a file that passes every header check
// and still ends any process that loads it; such an output is refused and never appears at its path.

import { ModelProbe } from "../isolate/model-probe";
import { validateForLlama } from "../gguf/validate";
import { GgufError } from "../gguf/types";

let shared: ModelProbe | undefined;

/** Throws a GgufError saying why the file at `path` (the merge's temp file) must not be kept. */
export async function verifyMergedFile(path: string, probe?: ModelProbe): Promise<void> {
  try {
    await validateForLlama(path);
  } catch (e) {
    throw new GgufError(
      `the merged model would not load in llama.cpp (${e instanceof Error ? e.message : String(e)}); nothing was written. Check the inputs with the sidecar (or chorus models) first`,
    );
  }
  let verdict;
  try {
    verdict = await (probe ?? (shared ??= new ModelProbe({ gpu: false }))).check(path);
  } catch {
    return; // llama.cpp itself is not installed here: the header checks stand, and the sidecar tests it before loading
  }
  if (!verdict.loadable) {
    throw new GgufError(
      `the merged model would not load in llama.cpp (${verdict.reason ?? "it failed to load"}); nothing was written. One of the inputs is probably unusable: try loading each in the sidecar`,
    );
  }
}
