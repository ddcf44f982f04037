import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// Component tests run in jsdom; the browser tier (test/browser, `@vitest-environment node`)
// drives Debian's Chromium against a real controller.
export default defineConfig({
  plugins: [react()],
  resolve: { conditions: ["@eventflow/source"] },
  ssr: { resolve: { conditions: ["@eventflow/source"] } },
  test: {
    name: "dashboard",
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    environment: "jsdom",
    setupFiles: ["test/setup.ts"],
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});
