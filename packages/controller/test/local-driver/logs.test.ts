import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Driver, LogLine, LogQuery } from "../../src/drivers/driver.js";
import { startDriver, tempDir, waitForStatus } from "./helpers/driver-harness.js";
import { writeTestImage } from "./helpers/oci-image.js";

const T = "acme";
const FN = { tenant: T, name: "chatty" };

async function readAll(driver: Driver, query: LogQuery): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of driver.logs(T, FN.name, query)) out.push(l);
  return out;
}

async function emit(driver: Driver, tag: string, n: number, replicaIndex = 0): Promise<void> {
  const ep = driver.endpoints(T, FN.name)[replicaIndex]!;
  const res = await request(`${ep.url}/?op=log&n=${n}&tag=${tag}`);
  await res.body.text();
}

async function waitForLine(driver: Driver, match: string): Promise<LogLine> {
  for (let i = 0; i < 200; i++) {
    const found = (await readAll(driver, {})).find((l) => l.line.includes(match));
    if (found) return found;
    await sleep(20);
  }
  const all = await readAll(driver, {});
  throw new Error(
    `no log line with ${match}; ${all.length} lines, last: ${JSON.stringify(all.slice(-3))}`,
  );
}

describe("local driver logs", () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let driver: Driver;

  beforeAll(async () => {
    data = await tempDir("logs");
    const image = await writeTestImage({ dir: `${data.path}/layout` });
    driver = await startDriver(`${data.path}/data`, { maxLogLinesPerFunction: 200 });
    await driver.create({ ...FN, image, replicas: 1 });
    await waitForStatus(driver, FN, (s) => s.status === "Running");
  });
  afterAll(async () => {
    await driver?.close();
    await data?.cleanup();
  });

  it("keeps stdout and stderr lines of each replica with monotonic ids", async () => {
    await emit(driver, "a", 5);
    await waitForLine(driver, "stderr a");
    const lines = await readAll(driver, {});
    const ids = lines.map((l) => Number(l.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
    expect(lines.some((l) => l.stream === "stdout" && l.line.includes("line a-4"))).toBe(true);
    expect(lines.some((l) => l.stream === "stderr" && l.line === "stderr a")).toBe(true);
    expect(
      lines.every((l) => l.replica.startsWith("chatty-") && !Number.isNaN(Date.parse(l.timestamp))),
    ).toBe(true);
  });

  it("answers tail, since and afterId", async () => {
    const all = await readAll(driver, {});
    const tail = await readAll(driver, { tail: 3 });
    expect(tail.map((l) => l.id)).toEqual(all.slice(-3).map((l) => l.id));
    const pivot = all[all.length - 4]!;
    const after = await readAll(driver, { afterId: pivot.id });
    expect(after.map((l) => l.id)).toEqual(all.slice(-3).map((l) => l.id));
    await sleep(15);
    const marker = new Date();
    await emit(driver, "b", 2);
    await waitForLine(driver, "stderr b");
    const since = await readAll(driver, { since: marker });
    expect(since.length).toBeGreaterThanOrEqual(3);
    expect(since.every((l) => Date.parse(l.timestamp) >= marker.getTime())).toBe(true);
    expect(since.some((l) => l.line.includes("line a-"))).toBe(false);
  });

  it("follows new lines, including those of replicas started after the follow began", async () => {
    const ac = new AbortController();
    const seen: LogLine[] = [];
    const following = (async () => {
      for await (const l of driver.logs(T, FN.name, { follow: true, tail: 0, signal: ac.signal })) {
        seen.push(l);
        if (l.line.includes("line late-1")) ac.abort();
      }
    })();
    await driver.scale(T, FN.name, 2);
    await waitForStatus(driver, FN, (s) => s.ready_replicas === 2);
    const eps = driver.endpoints(T, FN.name);
    const newest = eps.findIndex(
      (e) =>
        e.replica ===
        [...eps]
          .map((x) => x.replica)
          .sort()
          .at(-1),
    );
    await emit(driver, "late", 2, newest);
    await following;
    const started = eps[newest]!.replica;
    expect(seen.some((l) => l.replica === started && l.line.includes('"msg":"listening"'))).toBe(
      true,
    );
    expect(seen.every((l) => !l.line.includes("line a-"))).toBe(true);
    expect(seen.at(-1)!.line).toContain("line late-1");
  });

  it("resumes a follow after the last id it saw", async () => {
    const last = (await readAll(driver, { tail: 1 }))[0]!;
    await emit(driver, "resume", 3);
    const ac = new AbortController();
    const got: LogLine[] = [];
    for await (const l of driver.logs(T, FN.name, {
      follow: true,
      afterId: last.id,
      signal: ac.signal,
    })) {
      got.push(l);
      if (l.line.includes("line resume-2")) ac.abort();
    }
    expect(Number(got[0]!.id)).toBeGreaterThan(Number(last.id));
    expect(got.filter((l) => l.line.includes("line resume-")).length).toBe(3);
  });

  it("keeps logs bounded on disk", async () => {
    await emit(driver, "flood", 600);
    await waitForLine(driver, "line flood-599");
    await emit(driver, "x", 1);
    // stdout lines keep their order; stderr is another pipe, so only stdout is compared.
    await waitForLine(driver, "line x-0");
    const lines = await readAll(driver, {});
    expect(lines.length).toBeLessThanOrEqual(220);
    expect(lines.filter((l) => l.stream === "stdout").at(-1)!.line).toContain("line x-0");
    expect(lines.some((l) => l.line.includes('line flood-0"'))).toBe(false);
  });

  it("keeps history and keeps ids increasing across a driver restart", async () => {
    const before = await readAll(driver, { tail: 1 });
    await driver.close();
    driver = await startDriver(`${data.path}/data`, { maxLogLinesPerFunction: 200 });
    await waitForStatus(driver, FN, (s) => s.ready_replicas === 2);
    const history = await readAll(driver, {});
    expect(
      history.some((l) => l.id === before[0]!.id),
      JSON.stringify({ before, first: history.slice(0, 2), n: history.length }),
    ).toBe(true);
    await emit(driver, "reborn", 1);
    const reborn = await waitForLine(driver, "line reborn-0");
    expect(Number(reborn.id)).toBeGreaterThan(Number(before[0]!.id));
  });

  it("refuses logs of unknown functions", () => {
    expect(() => driver.logs("other", FN.name, {})).toThrow(
      expect.objectContaining({ code: "FUNCTION_NOT_FOUND" }),
    );
  });
});
