#!/usr/bin/env node
// `npm start`: builds the packages, then runs packages/controller/scripts/dev.mjs, which starts
// the controller with the local driver and dev auth, builds every example into an app-only OCI
// layout (offline: no base image is pulled), deploys them and prints a dev token and curl lines.
// Ctrl-C stops the controller, which drains its functions.
import { spawn, spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) {
  process.stderr.write("npm start: the build failed; see the messages above.\n");
  process.exit(build.status ?? 1);
}
const dev = spawn(process.execPath, ["packages/controller/scripts/dev.mjs"], {
  cwd: root,
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
