import { defineConfig } from "vitest/config";

/** Shared settings: tests resolve workspace packages to their TypeScript sources. */
export function packageConfig(
  name: string,
  extra: { testTimeout?: number; include?: string[]; typecheck?: boolean } = {},
) {
  return defineConfig({
    resolve: { conditions: ["@eventflow/source"] },
    ssr: { resolve: { conditions: ["@eventflow/source"] } },
    test: {
      name,
      include: extra.include ?? ["test/**/*.test.ts"],
      testTimeout: extra.testTimeout ?? 15_000,
      // Type tests (*.test-d.ts) run against a package-local tsconfig.typecheck.json.
      typecheck: {
        enabled: extra.typecheck ?? false,
        include: ["test/**/*.test-d.ts"],
        tsconfig: "./tsconfig.typecheck.json",
      },
    },
  });
}
