#!/usr/bin/env node
// `npm start`: builds the packages and serves examples/hello with the runtime on PORT (8080).
// (Replaced by the controller with the local driver once it lands.)
import { spawn, spawnSync } from "node:child_process";

const root = new URL("..", import.meta.url).pathname;
const build = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
const port = process.env.PORT ?? "8080";
process.stderr.write(`\nServing examples/hello on http://127.0.0.1:${port}\n  curl 'http://127.0.0.1:${port}/?name=you'\n\n`);
const child = spawn(process.execPath, ["packages/runtime/dist/bin.js", "examples/hello/src/index.ts"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, PORT: port },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code) => process.exit(code ?? 0));
