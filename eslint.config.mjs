// Lint rules that guard the architecture (docs/ARCHITECTURE.md, "Layers"): each layer imports only the layers
// below it, and no promise is left floating. The build and test scripts (plain ESM JavaScript) get ESLint's
// recommended rules.
import js from "@eslint/js";
import globals from "globals";
import { dirname, relative, resolve, sep } from "node:path";
import tseslint from "typescript-eslint";

// Layer zones, checked on resolved paths (a relative import is resolved against the importing file), so that
// "../../bench/x" from src/cli/commands (src/bench, allowed) and "../../../bench/x" (the top-level bench/, not
// allowed) are told apart. ESLint's own no-restricted-imports only sees the import's text.
const ROOT = import.meta.dirname;
const LAYERS = [
  {
    zone: "src/core/",
    forbid: ["src/sidecar/", "src/cli/", "src/vscode/", "src/bench/", "bench/"],
    why: "src/core is the engine: it imports no sidecar, CLI, editor or benchmark code",
  },
  {
    zone: "src/sidecar/",
    forbid: ["src/core/collab/", "src/cli/", "src/vscode/", "src/bench/", "bench/"],
    why: "src/sidecar is a model server: it imports no collaboration strategy, CLI, editor or benchmark code",
  },
  {
    zone: "src/cli/",
    forbid: ["src/vscode/", "bench/"],
    why: "src/cli is a top layer beside src/vscode; benchmarks the CLI runs live in src/bench, not bench/",
  },
  { zone: "src/vscode/", forbid: ["src/cli/", "src/bench/", "bench/"], why: "src/vscode is a top layer beside src/cli and ships no benchmarks" },
  {
    zone: "src/bench/",
    forbid: ["src/cli/", "src/vscode/", "bench/"],
    why: "benchmarks measure the engine and the sidecar; the CLI runs them, not the other way round",
  },
  { zone: "bench/", forbid: ["src/cli/", "src/vscode/"], why: "benchmarks measure the engine and the sidecar, not the CLI or the editor" },
  {
    zone: "webview/",
    forbid: ["src/"],
    allow: ["src/core/collab/text/panel-messages"],
    why: "the webview shares types with the host through one module, src/core/collab/text/panel-messages.ts",
  },
];

const layersPlugin = {
  rules: {
    "no-cross-layer-import": {
      meta: { type: "problem", schema: [] },
      create(context) {
        const file = relative(ROOT, context.filename).split(sep).join("/");
        const layer = LAYERS.find((l) => file.startsWith(l.zone));
        if (!layer) return {};
        const check = (node) => {
          const source = node.source?.value;
          if (typeof source !== "string") return;
          if (source === "vscode" && layer.zone !== "src/vscode/")
            return context.report({
              node,
              message:
                "Only src/vscode may import vscode; the engine, sidecar and CLI reach the editor through interfaces src/vscode implements (docs/ARCHITECTURE.md).",
            });
          if (!source.startsWith(".")) return;
          const target = relative(ROOT, resolve(dirname(context.filename), source))
            .split(sep)
            .join("/");
          if (layer.allow?.some((a) => target === a || target.startsWith(a + "."))) return;
          const hit = layer.forbid.find((f) => target.startsWith(f));
          if (hit) context.report({ node, message: `${file} imports ${target}: ${layer.why} (docs/ARCHITECTURE.md, "Layers").` });
        };
        return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
      },
    },
  },
};

export default tseslint.config(
  { ignores: ["dist/**", "node_modules/**", ".cache/**", "out/**", ".scratch/**", "**/*.js"] },
  {
    files: ["**/*.mjs"],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
    rules: { "no-unused-vars": ["warn", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }] },
  },
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "@typescript-eslint": tseslint.plugin },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: false }],
      "@typescript-eslint/no-unused-vars": ["warn", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts", "webview/**/*.ts", "bench/**/*.ts"],
    plugins: { layers: layersPlugin },
    rules: { "layers/no-cross-layer-import": "error" },
  },
);
