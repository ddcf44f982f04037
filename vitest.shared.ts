import { defineConfig } from "vitest/config";

/** Shared settings: tests resolve workspace packages to their TypeScript sources. */
export function packageConfig(name: string, extra: { testTimeout?: number; include?: string[] } = {}) {
  return defineConfig({
    resolve: { conditions: ["@eventflow/source"] },
    ssr: { resolve: { conditions: ["@eventflow/source"] } },
    test: {
      name,
      include: extra.include ?? ["test/**/*.test.ts"],
      testTimeout: extra.testTimeout ?? 15_000,
      typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "../../tsconfig.test.json" },
    },
  });
}
