import { createRequire } from "node:module";

/**
 * The controller's version (its package.json), reported in /openapi.json, /healthz and /readyz
 * (what `eventflow version` shows as the server's).
 */
export const CONTROLLER_VERSION: string = (
  createRequire(import.meta.url)("../package.json") as { version: string }
).version;
