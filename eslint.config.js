import { readdirSync } from "node:fs";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Layers are rules, not habits: imports that cross them fail the lint
// (packages/controller/test/layers.test.ts breaks each rule on purpose and expects the error).
const CONTROLLER = "packages/controller/src";
/** Patterns matching a relative import of one of the controller's top-level directories. */
const controllerDirs = (...dirs) =>
  dirs.map((dir) => ({
    group: [`**/${dir}/**`, `**/${dir}`],
    message: `this layer does not import the controller's ${dir}/ (a layer rule: drivers never import http/, routes/ or invoke/; invoke/ never imports http/)`,
  }));
const FEATURES = "packages/dashboard/src/features";
const features = readdirSync(new URL(`./${FEATURES}`, import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const layerRules = [
  {
    files: [`${CONTROLLER}/drivers/**/*.ts`],
    rules: {
      "no-restricted-imports": ["error", { patterns: controllerDirs("http", "routes", "invoke") }],
    },
  },
  {
    files: [`${CONTROLLER}/invoke/**/*.ts`],
    rules: { "no-restricted-imports": ["error", { patterns: controllerDirs("http") }] },
  },
  // Each dashboard feature imports shared code (lib/, @eventflow/*), never another feature.
  ...features.map((feature) => ({
    files: [`${FEATURES}/${feature}/**/*.{ts,tsx}`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: features
            .filter((other) => other !== feature)
            .map((other) => ({
              group: [`**/${other}/**`, `**/features/${other}`],
              message: `the dashboard's ${feature} feature does not import the ${other} feature: move what both need to src/lib, or compose them in a route`,
            })),
        },
      ],
    },
  })),
  // Configuration is parsed once (config.ts) from the environment bin.ts hands it.
  {
    files: [`${CONTROLLER}/**/*.ts`],
    ignores: [`${CONTROLLER}/config.ts`, `${CONTROLLER}/bin.ts`],
    rules: {
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message:
            "the controller reads its environment in config.ts only; take the value from Config",
        },
      ],
    },
  },
];

export default tseslint.config(
  {
    ignores: [
      ".eventflow/**",
      "**/.eventflow/**",
      "**/test/fixtures/bad-*",
      "**/*.cjs",
      "**/dist/**",
      "**/node_modules/**",
      "**/coverage/**",
      ".testenv/**",
      "bench/results/**",
      "**/*.d.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
        URL: "readonly",
        URLSearchParams: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
        fetch: "readonly",
        Response: "readonly",
        Request: "readonly",
        ReadableStream: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
        performance: "readonly",
        structuredClone: "readonly",
        queueMicrotask: "readonly",
        globalThis: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  ...layerRules,
);
