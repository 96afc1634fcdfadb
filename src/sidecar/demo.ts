// The demo set: small llama transformers that Chorus trained on code (training/, shipped in models/demo/ of the
// repository and the .vsix) and presets that mix them, so that a fresh install with nothing configured already
// shows logit-level collaboration (`npm start`, `chorus serve --demo`). The generated bigram models stay for the
// exact tests (`chorus make-test-models`); they write noise, which is why the demo no longer serves them.

import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseMixSpec } from "./mixing/spec";
import type { Preset } from "./presets";

/** The trained demo models, by file name (models/demo/<name>.gguf). */
export const DEMO_MODEL_NAMES = ["general", "ts-expert", "py-expert", "weak", "weak-ts"] as const;
export type DemoModelName = (typeof DEMO_MODEL_NAMES)[number];

/** Where the demo models ship, relative to the repository (and the extension's folder). */
export const DEMO_MODELS_SUBDIR = join("models", "demo");

/**
 * The shipped demo folder: `root`/models/demo when a root is given (the extension's folder), else the first
 * models/demo above this module (src/sidecar/demo.ts in tests) or the running script (dist/cli.js,
 * dist/sidecar.mjs: the ESM bundle has no __dirname).
 */
export function demoModelsDir(root?: string): string {
  if (root) return join(root, DEMO_MODELS_SUBDIR);
  const anchors = [typeof __dirname === "string" ? __dirname : undefined, process.argv[1] ? dirname(process.argv[1]) : undefined];
  for (const anchor of anchors.filter((a): a is string => a !== undefined)) {
    for (let dir = resolve(anchor); dirname(dir) !== dir; dir = dirname(dir)) {
      if (existsSync(join(dir, DEMO_MODELS_SUBDIR, "general.gguf"))) return join(dir, DEMO_MODELS_SUBDIR);
    }
  }
  return resolve(process.cwd(), DEMO_MODELS_SUBDIR);
}

/**
 * The demo folder, checked: every demo model must be there, or the demo would serve presets over missing models.
 * The error says which files are missing and where they come from (a checkout or the .vsix ships them).
 */
export function checkDemoModels(dir: string): string {
  const missing = DEMO_MODEL_NAMES.filter((name) => !existsSync(join(dir, `${name}.gguf`)));
  if (missing.length === 0) return dir;
  throw new Error(
    `the demo models ${missing.map((m) => `${m}.gguf`).join(", ")} are missing from ${dir}. They ship with Chorus (models/demo/ in the ` +
      `repository and the .vsix): restore them with \`git checkout -- models/demo\`, or reinstall the extension.`,
  );
}

export function demoPresets(): Preset[] {
  const p = (name: string, description: string, spec: unknown): Preset => ({ name, description, spec: parseMixSpec(spec, `demo preset ${name}`) });
  return [
    p("contrastive-ts", "Contrastive decoding: the TypeScript expert minus the tiny weak model (demo models)", {
      strategy: "contrastive",
      expert: "ts-expert",
      amateur: "weak",
      alpha: 0.1,
      beta: 0.5,
    }),
    // Weights ½,½: a normalised product, the geometric mean of the two experts. With 1,1 the product sharpens
    // every distribution twice over (issue #19 measured 3.42 bits/byte against 2.73 with ½,½ on mixed code).
    p("poe-ts-py", "Product of experts: TypeScript × Python experts, weights ½ each (a geometric mean; 1,1 would over-sharpen)", {
      strategy: "product",
      models: [
        { model: "ts-expert", weight: 0.5 },
        { model: "py-expert", weight: 0.5 },
      ],
    }),
    p("defer-weak-general", "Token-level deferral: the tiny weak model writes, the general model takes over when unsure", {
      strategy: "deferral",
      small: "weak",
      large: "general",
      tau: 0.3,
    }),
    p("dexperts-ts", "DExperts: the general model steered towards TypeScript and away from Python", {
      strategy: "dexperts",
      base: "general",
      expert: "ts-expert",
      antiExpert: "py-expert",
      alpha: 1,
    }),
    p("proxy-tuning-ts", "Proxy-tuning: the general model plus the tiny model's TypeScript tuning (weak-ts − weak)", {
      strategy: "proxy-tuning",
      large: "general",
      tuned: "weak-ts",
      untuned: "weak",
      alpha: 1,
    }),
  ];
}
