#!/usr/bin/env node
// The README's test command runs this: `npm ci && npm test`. Steps, in order:
//   1. every scripts/setup/*.sh (idempotent installers and builders of test infrastructure),
//   2. build, lint and typecheck,
//   3. vitest (all tiers; integration tests start the services they need), then the
//      end-to-end tier on a real node,
//      (the runtime's process tests run on Node 20, 22 and 24 there),
//   4. every `bench:*` script in --quick smoke mode (timings are printed, never asserted).
// Set EVENTFLOW_TEST_STEPS=build,vitest (comma list) to run a subset.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const only = process.env.EVENTFLOW_TEST_STEPS?.split(",").map((s) => s.trim());
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

function run(label, cmd, args) {
  if (only && !only.some((o) => label === o || label.startsWith(`${o}:`))) return;
  const started = Date.now();
  process.stderr.write(`\n=== ${label}: ${cmd} ${args.join(" ")}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: process.env });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    process.stderr.write(`=== ${label} FAILED (exit ${r.status ?? r.signal}) after ${secs}s\n`);
    process.exit(r.status || 1);
  }
  process.stderr.write(`=== ${label} ok in ${secs}s\n`);
}

rmSync(join(root, ".eventflow", "test-reports"), { recursive: true, force: true });
const setupDir = join(root, "scripts/setup");
for (const file of readdirSync(setupDir)
  .filter((f) => f.endsWith(".sh"))
  .sort()) {
  run(`setup:${file}`, "bash", [join(setupDir, file)]);
}
run("build", "npm", ["run", "build"]);
run("lint", "npm", ["run", "lint"]);
run("typecheck", "npm", ["run", "typecheck"]);
const reports = join(root, ".eventflow", "test-reports");
mkdirSync(reports, { recursive: true });
const reportArgs = (name) => [
  "--reporter=default",
  "--reporter=json",
  `--outputFile=${join(reports, name)}`,
];
run("vitest", "npx", ["vitest", "run", ...reportArgs("vitest.json")]);
// The end-to-end tier on a real node (kubelet + containerd + runc, built by scripts/setup/70-*);
// its own config because it needs root, a bridge and the whole cluster to itself.
run("e2e", "npm", ["run", "test:e2e", "--", ...reportArgs("e2e.json")]);
for (const name of Object.keys(pkg.scripts)
  .filter((s) => s.startsWith("bench:"))
  .sort()) {
  run(name, "npm", ["run", name, "--", "--quick"]);
}

// One plain closing line over every vitest tier that ran.
let passed = 0;
let failed = 0;
for (const name of ["vitest.json", "e2e.json"]) {
  const file = join(reports, name);
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
}
if (passed + failed > 0) process.stdout.write(`${passed} passed, ${failed} failed\n`);
