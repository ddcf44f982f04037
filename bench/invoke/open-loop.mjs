#!/usr/bin/env node
// Open-loop load at a fixed rate: one request every 1/rate s on a schedule fixed in advance,
// over a keep-alive undici Pool, each latency measured from its *scheduled* send time (so a
// stall is counted against every request it delays: no coordinated omission). Evenly spaced
// arrivals, unlike N clients each at rate/N, which start together and arrive in bursts.
// Usage: node open-loop.mjs '{"url":...,"rate":1000,"seconds":6,"skipSeconds":1,"headers":{}}'
// Prints one JSON line: { requests, errors, non2xx, achievedRps, p50_ms, p99_ms, max_ms }.
// With "recordFile", also writes each measured request's scheduled time and latency there
// ({ start: epoch ms of the schedule's origin, seconds, skipSeconds, samples: [[offset ms,
// latency ms]] }),
// for `bench:invoke --gc` (gc-tail.mjs).
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { setImmediate as immediate, setTimeout as sleep } from "node:timers/promises";
import { Pool } from "undici";

const {
  url,
  rate,
  seconds,
  skipSeconds = 1,
  headers = {},
  body = "{}",
  recordFile,
} = JSON.parse(process.argv[2]);
const target = new URL(url);
const pool = new Pool(target.origin, { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 });
const path = `${target.pathname}${target.search}`;
const reqHeaders = { ...headers, "content-type": "application/json" };
const intervalNs = 1e9 / rate;
const total = Math.round(rate * seconds);
const latencies = [];
/** [offset of the scheduled send from `start` in ms, latency ms], when recording. */
const samples = [];
let errors = 0;
let non2xx = 0;
let done = 0;

function fire(i, scheduled) {
  pool
    .request({ path, method: "POST", headers: reqHeaders, body })
    .then(async (res) => {
      await res.body.dump();
      if (res.statusCode < 200 || res.statusCode > 299) non2xx++;
      if (i >= rate * skipSeconds) {
        const ms = Number(process.hrtime.bigint() - scheduled) / 1e6;
        latencies.push(ms);
        if (recordFile) samples.push([Number(scheduled - start) / 1e6, ms]);
      }
    })
    .catch(() => errors++)
    .finally(() => done++);
}

const start = process.hrtime.bigint() + 20_000_000n;
// The schedule's origin as epoch ms (the GC observer's clock: timeOrigin + performance.now()).
const startEpoch =
  performance.timeOrigin + performance.now() + Number(start - process.hrtime.bigint()) / 1e6;
for (let i = 0; i < total; i++) {
  const scheduled = start + BigInt(Math.round(i * intervalNs));
  for (;;) {
    const left = Number(scheduled - process.hrtime.bigint()) / 1e6;
    if (left <= 0) break;
    if (left > 2) await sleep(left - 1.5);
    else await immediate();
  }
  fire(i, scheduled);
}
const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
while (done < total) await sleep(5);
await pool.close();
if (recordFile)
  writeFileSync(recordFile, JSON.stringify({ start: startEpoch, seconds, skipSeconds, samples }));
latencies.sort((a, b) => a - b);
const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * (latencies.length - 1)))];
process.stdout.write(
  `${JSON.stringify({ requests: latencies.length, errors, non2xx, achievedRps: total / elapsed, p50_ms: q(0.5), p99_ms: q(0.99), max_ms: latencies.at(-1) })}\n`,
);
