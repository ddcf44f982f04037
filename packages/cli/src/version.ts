import { createRequire } from "node:module";

/** The CLI's own version (package.json), recorded in every image as `dev.eventflow.version`. */
export const EVENTFLOW_VERSION: string = (
  createRequire(import.meta.url)("../package.json") as { version: string }
).version;
