import js from "@eslint/js";
import importX from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

// Imports flow one way: transport -> rpc -> the handles (codex, thread, turn, ...). `internal/`
// holds helpers any layer may use; it depends on nothing above `errors`.
const handles = "./src/!(errors).ts";
const layers = [
  { target: "./src/transport/**", from: ["./src/rpc/**", "./src/*.ts", "./src/testing/**"] },
  { target: "./src/rpc/**", from: [handles, "./src/testing/**"] },
  {
    target: "./src/internal/**",
    from: ["./src/rpc/**", "./src/transport/**", "./src/testing/**", handles],
  },
];

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "src/generated/", ".tmp/", "api-docs/"] },
  js.configs.recommended,
  {
    // Plain JavaScript files run on Node directly.
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        URL: "readonly",
        AbortController: "readonly",
      },
    },
  },
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
    },
  },
  {
    files: ["src/**/*.ts"],
    plugins: { "import-x": importX },
    settings: importX.flatConfigs.typescript.settings,
    rules: {
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-restricted-paths": ["error", { zones: layers }],
    },
  },
);
