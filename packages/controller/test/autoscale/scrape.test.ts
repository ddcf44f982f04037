// Tier 2: the autoscaler's scraper against real runtime processes (the built runtime bin, as a
// replica runs it) and against HTTP servers that misbehave the ways a hostile replica could.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createScraper,
  replicaLoad,
  sampleSize,
  type Scraper,
  type ScrapeTarget,
} from "../../src/autoscale/scrape.js";

const RUNTIME_BIN = fileURLToPath(new URL("../../../runtime/dist/bin.js", import.meta.url));
const KEY = "replica-key-".padEnd(32, "x");

let dir: string;
const children: ChildProcess[] = [];
const servers: Server[] = [];
const scrapers: Scraper[] = [];

beforeAll(() => {
  if (!existsSync(RUNTIME_BIN)) throw new Error(`${RUNTIME_BIN} missing: run npm run build`);
  dir = mkdtempSync(join(tmpdir(), "eventflow-scrape-"));
  writeFileSync(
    join(dir, "wait.mjs"),
    "export default async (event) => {\n" +
      "  await new Promise((r) => setTimeout(r, Number(event.query.ms ?? 0)));\n" +
      '  return "ok";\n};\n',
  );
});
afterEach(async () => {
  for (const s of scrapers.splice(0)) await s.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
});
afterAll(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function scraper(options: Parameters<typeof createScraper>[0] = {}): Scraper {
  const s = createScraper(options);
  scrapers.push(s);
  return s;
}

/** A runtime process serving wait.mjs with a replica key, as the local driver starts one. */
async function replica(name: string): Promise<ScrapeTarget> {
  const child = spawn(process.execPath, [RUNTIME_BIN, join(dir, "wait.mjs")], {
    env: { PATH: process.env.PATH ?? "", PORT: "0", EVENTFLOW_REPLICA_KEY: KEY },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split("\n").find((l) => l.includes('"msg":"ready"'));
      if (line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once("exit", (code) => reject(new Error(`runtime exited with ${code}`)));
  });
  return { replica: name, url: `http://127.0.0.1:${port}`, key: KEY };
}

const invoke = (t: ScrapeTarget, ms: number) =>
  fetch(`${t.url}/?ms=${ms}`, { headers: { "x-eventflow-replica-key": KEY } }).then((r) =>
    r.text(),
  );

async function server(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

const stats = (inFlight: number) =>
  JSON.stringify({ inFlight, requests: 0, concurrencySeconds: 0, uptimeSeconds: 1, ready: true });

describe("scraping real runtime replicas", () => {
  it("averages concurrency and rps over the interval between scrapes", async () => {
    const [a, b] = await Promise.all([replica("fn-0"), replica("fn-1")]);
    const s = scraper();
    expect(await s.observe("t/fn", [a!, b!])).toMatchObject({
      concurrency: 0,
      sampled: 2,
      replicas: 2,
    });
    await Promise.all(Array.from({ length: 4 }, () => invoke(a!, 300)));
    const o = (await s.observe("t/fn", [a!, b!]))!;
    expect(o.sampled).toBe(2);
    expect(o.rps).toBeGreaterThan(0);
    // Little's law over the interval: concurrency / rps is the mean time in flight (300 ms);
    // counting in-flight samples instead of the integral would give about 0.
    expect(o.concurrency / o.rps).toBeGreaterThan(0.29);
    expect(o.concurrency / o.rps).toBeLessThan(0.45);
  });

  it("counts a replica seen the first time by what it has in flight", async () => {
    const a = await replica("fn-0");
    const pending = [invoke(a, 1500), invoke(a, 1500)];
    const s = scraper();
    let o = await s.observe("t/fn", [a]);
    while (o?.concurrency !== 2) {
      s.forget("t/fn");
      o = await s.observe("t/fn", [a]);
    }
    expect(o).toMatchObject({ concurrency: 2, sampled: 1, replicas: 1 });
    await Promise.all(pending);
  });

  it("sends the replica key; a replica that refuses is left out", async () => {
    const a = await replica("fn-0");
    const s = scraper();
    const keyless = { replica: "fn-1", url: a.url };
    expect(await s.observe("t/fn", [keyless])).toBeUndefined();
    expect(await s.observe("t/fn", [a, keyless])).toMatchObject({ sampled: 1, replicas: 2 });
  });
});

describe("hostile and old replicas", () => {
  const hostile: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    "never answers": () => undefined,
    "sends headers, then the body never ends": (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"inFlight":');
    },
    "answers a huge body": (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      // Valid stats but for the size: only the cap leaves it out.
      res.end(`${stats(1).slice(0, -1)},"pad":"${"x".repeat(1 << 20)}"}`);
    },
    "streams without end": (_req, res) => {
      res.writeHead(200);
      const chunk = Buffer.alloc(16384, 32);
      const more = () => {
        while (res.write(chunk));
      };
      res.on("drain", more);
      more();
    },
    "answers non-JSON": (_req, res) => res.end("<html>hello</html>"),
    "answers Infinity (1e999)": (_req, res) =>
      res.end('{"inFlight":1e999,"requests":0,"concurrencySeconds":0,"uptimeSeconds":1}'),
    "answers negative counters": (_req, res) =>
      res.end('{"inFlight":-5,"requests":0,"concurrencySeconds":0,"uptimeSeconds":1}'),
    "answers strings": (_req, res) =>
      res.end('{"inFlight":"7","requests":0,"concurrencySeconds":0,"uptimeSeconds":1}'),
    "answers null": (_req, res) => res.end("null"),
    "is an old runtime without stats (404)": (_req, res) => {
      res.writeHead(404);
      res.end('{"error":{"code":"RUNTIME_RESERVED_PATH"}}');
    },
  };

  it.each(Object.entries(hostile))("leaves out a replica that %s", async (_name, handler) => {
    const bad = await server(handler);
    const good = await server((_req, res) => res.end(stats(3)));
    const s = scraper({ timeoutMs: 300 });
    const targets = [
      { replica: "bad", url: bad },
      { replica: "good", url: good },
    ];
    expect(await s.observe("t/fn", [targets[0]!])).toBeUndefined();
    // The good replica's 3 in flight stand for both.
    expect(await s.observe("t/fn", targets)).toMatchObject({
      concurrency: 6,
      sampled: 1,
      replicas: 2,
    });
  });

  it("answers undefined when no replica answers, and after close", async () => {
    const s = scraper({ timeoutMs: 200 });
    expect(await s.observe("t/fn", [{ replica: "x", url: "http://127.0.0.1:1" }])).toBeUndefined();
    expect(await s.observe("t/fn", [])).toBeUndefined();
    const good = await server((_req, res) => res.end(stats(1)));
    await s.close();
    expect(await s.observe("t/fn", [{ replica: "g", url: good }])).toBeUndefined();
  });
});

describe("sampling", () => {
  it("scrapes a random sample of many replicas and extrapolates its mean", async () => {
    const seen = new Set<string>();
    let hits = 0;
    const url = await server((req, res) => {
      hits++;
      seen.add(req.url!);
      res.end(stats(3));
    });
    const targets = Array.from({ length: 40 }, (_, i) => ({
      replica: `r${i}`,
      url: `${url}/r${i}`,
    }));
    const s = scraper();
    expect(await s.observe("t/fn", targets)).toMatchObject({
      concurrency: 120,
      sampled: sampleSize(40),
      replicas: 40,
    });
    expect(hits).toBe(sampleSize(40));
    for (let i = 0; i < 5; i++) await s.observe("t/fn", targets);
    expect(seen.size).toBeGreaterThan(sampleSize(40));
    hits = 0;
    const capped = scraper({ maxSample: 5 });
    expect(await capped.observe("t/fn", targets)).toMatchObject({ sampled: 5, concurrency: 120 });
    expect(hits).toBe(5);
  });

  it("sizes the sample like a population mean at 95 % confidence", () => {
    expect([0, 1, 3, 4, 10, 20, 40, 100, 1000].map(sampleSize)).toEqual([
      0, 1, 3, 4, 7, 9, 12, 14, 16,
    ]);
  });
});

describe("replicaLoad", () => {
  const at = (
    requests: number,
    concurrencySeconds: number,
    uptimeSeconds: number,
    inFlight = 1,
  ) => ({
    inFlight,
    requests,
    concurrencySeconds,
    uptimeSeconds,
  });
  it("divides the growth of the counters by the growth of uptime", () => {
    expect(replicaLoad(at(30, 12, 12), at(10, 2, 10))).toEqual({ concurrency: 5, rps: 10 });
  });
  it("starts over for a restarted replica (counters went down)", () => {
    expect(replicaLoad(at(4, 1, 2, 2), at(100, 50, 600))).toEqual({ concurrency: 2, rps: 2 });
    expect(replicaLoad(at(200, 1, 700, 3), at(100, 50, 600))).toEqual({
      concurrency: 3,
      rps: 200 / 700,
    });
  });
});
