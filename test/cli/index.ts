// Shared fixtures for tests of the `eventflow` CLI (packages/cli) and its users.
export { BASE_NODE, ensureTestBaseImage, type TestBaseImage } from "./base-image.ts";
export { CLI_BIN, REPO_ROOT, runEventflow, type CliRun, type RunOptions } from "./run.ts";
