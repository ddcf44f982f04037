#!/usr/bin/env node
// One cold start of one SUT (spawn -> first 200, then SIGKILL), for a hyperfine cross-check:
//   hyperfine -N --warmup 3 --runs 30 'node bench/runtime/cold-probe.mjs eventflow' \
//     'node bench/runtime/cold-probe.mjs raw'
// The bundle must exist (any bench:runtime run writes it). Prints the measured ms on stdout.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { measureColdStart } from "../lib/cold-start.mjs";
import { freePort } from "../lib/http-probe.mjs";
import { defineSuts } from "./suts.mjs";

const bundle = join(
  fileURLToPath(new URL(".", import.meta.url)),
  "../results/runtime/eventflow-hello.mjs",
);
const id = process.argv[2] ?? "eventflow";
const sut = defineSuts({ eventflowBundle: bundle }).find((s) => s.id === id);
if (!sut) throw new Error(`unknown SUT ${id}`);
if (id.startsWith("eventflow") && !existsSync(bundle))
  throw new Error(`run bench:runtime first: ${bundle}`);
const port = await freePort();
const { cmd, args, env } = sut.command(port);
const ms = await measureColdStart({ cmd, args, env, cpu: 1, url: `http://127.0.0.1:${port}/` });
process.stdout.write(`${ms.toFixed(1)}\n`);
