// The training and held-out corpora for the generated test models: folders of source files, one document each
// (test/fixtures/corpora/<language>/{train,heldout}/*.txt in this repository).
import { existsSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

export interface LanguageCorpus {
  language: string;
  train: Buffer[];
  heldout: Buffer[];
  trainFiles: string[];
  heldoutFiles: string[];
}

/** Where the corpora are: $CHORUS_CORPORA, ./test/fixtures/corpora, or next to the bundle or sources. */
export function findCorporaDir(explicit?: string): string {
  if (explicit) {
    if (!existsSync(join(explicit, "typescript")) || !existsSync(join(explicit, "python"))) {
      throw new Error(`the corpora folder ${explicit} must contain typescript/ and python/ subfolders (each with train/*.txt)`);
    }
    return resolve(explicit);
  }
  const candidates = [
    process.env.CHORUS_CORPORA,
    resolve(process.cwd(), "test/fixtures/corpora"),
    ...(typeof __dirname === "string" ? [resolve(__dirname, "../test/fixtures/corpora"), resolve(__dirname, "../../../test/fixtures/corpora")] : []),
    // The ESM sidecar bundle has no __dirname: the running script (dist/sidecar.mjs, dist/cli.js) is the anchor.
    ...(process.argv[1] ? [resolve(dirname(process.argv[1]), "../test/fixtures/corpora")] : []),
  ].filter((d): d is string => typeof d === "string" && d.length > 0);
  for (const dir of candidates) if (existsSync(join(dir, "typescript"))) return dir;
  throw new Error(
    `cannot find the test corpora (looked in ${candidates.join(", ")}); pass --corpora DIR or set CHORUS_CORPORA to a folder with typescript/ and python/ subfolders`,
  );
}

async function readDocuments(dir: string): Promise<{ files: string[]; docs: Buffer[] }> {
  if (!existsSync(dir)) return { files: [], docs: [] };
  const files = (await readdir(dir)).filter((f) => f.endsWith(".txt")).sort();
  return { files, docs: await Promise.all(files.map((f) => readFile(join(dir, f)))) };
}

export async function loadLanguageCorpus(corporaDir: string, language: string): Promise<LanguageCorpus> {
  const train = await readDocuments(join(corporaDir, language, "train"));
  const heldout = await readDocuments(join(corporaDir, language, "heldout"));
  if (train.docs.length === 0) throw new Error(`no training files (*.txt) in ${join(corporaDir, language, "train")}`);
  return { language, train: train.docs, heldout: heldout.docs, trainFiles: train.files, heldoutFiles: heldout.files };
}
