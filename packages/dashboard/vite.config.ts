import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev`: the API lives on the controller (EVENTFLOW_API_URL, default :8080); every
// API path is proxied so the page and the API share one origin, as when the controller serves it.
const api = process.env.EVENTFLOW_API_URL ?? "http://127.0.0.1:8080";
const proxied = ["/v1", "/auth/config", "/auth/token", "/healthz", "/readyz", "/openapi.json"];

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: { conditions: ["@eventflow/source"] },
  server: {
    port: 5173,
    proxy: Object.fromEntries(proxied.map((p) => [p, { target: api, changeOrigin: false }])),
  },
  build: { outDir: "dist", sourcemap: true, chunkSizeWarningLimit: 800 },
});
