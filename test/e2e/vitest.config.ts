import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The end-to-end tier (`npm run test:e2e`): a real node runs the functions. One file, one
// cluster; run after `npm run build` (the CLI runs from its dist/).
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  resolve: { conditions: ["@eventflow/source"] },
  ssr: { resolve: { conditions: ["@eventflow/source"] } },
  test: {
    name: "e2e",
    include: ["**/*.e2e.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
