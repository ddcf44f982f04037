import { defineConfig } from "vitest/config";

// The install tier: deploy/ (kustomize, Helm chart, RBAC, controller image) against the k8s
// test cluster, started once for the run by the k8s tier's globalSetup (or KUBECONFIG's cluster).
// Files run one after another: they apply cluster-wide RBAC whose effect the others assert.
export default defineConfig({
  resolve: { conditions: ["@eventflow/source"] },
  ssr: { resolve: { conditions: ["@eventflow/source"] } },
  test: {
    name: "deploy",
    root: import.meta.dirname,
    include: ["**/*.test.ts"],
    globalSetup: ["../../packages/controller/test/kubernetes/support/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 900_000,
  },
});
