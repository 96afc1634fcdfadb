// Lint rules that guard the architecture (see DESIGN.md): the engine never imports `vscode`,
// and no promise is left floating. The build and test scripts (plain ESM JavaScript) get ESLint's recommended rules.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

const noVscode = {
  "no-restricted-imports": [
    "error",
    { paths: [{ name: "vscode", message: "src/core and src/sidecar must not import vscode; go through an interface that src/vscode implements." }] },
  ],
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
  { files: ["src/core/**/*.ts", "src/sidecar/**/*.ts", "src/cli/**/*.ts"], rules: noVscode },
);
