import { defineConfig } from "vitest/config";

// One project per package/example; each has its own vitest.config.ts next to its package.json.
export default defineConfig({
  test: {
    projects: [
      "packages/*/vitest.config.ts",
      "examples/*/vitest.config.ts",
      "test/deploy/vitest.config.ts",
      "test/packaging/vitest.config.ts",
    ],
  },
});
