import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, mintToken, startLocalDriverApp, type LocalDriverApp } from "../support/harness.js";

// Traffic between revisions over the real local driver and the real invoke router: weighted
// choice, tags, the revision header, rollback under load and rollouts, each revision in its own
// replica set of processes.
describe("traffic between revisions", () => {
  let local: LocalDriverApp;
  let alice: string;
  const url = () => local.app.url;
  const fn = (name: string, version: string, extra: object = {}) => ({
    image: local.image,
    replicas: 1,
    env: { FIXTURE_VERSION: version },
    ...extra,
  });
  const invoke = (name: string, headers: Record<string, string> = {}) =>
    call(url(), "POST", `/v1/functions/${name}:invoke`, { token: alice, headers });
  const setTraffic = (name: string, traffic: object[]) =>
    call(url(), "POST", `/v1/functions/${name}:traffic`, { token: alice, body: { traffic } });
  const get = async (name: string) =>
    (await call(url(), "GET", `/v1/functions/${name}`, { token: alice })).body;

  beforeAll(async () => {
    local = await startLocalDriverApp("traffic");
    alice = await mintToken({ tenant: "acme", role: "developer", sub: "alice" });
  }, 60_000);
  afterAll(() => local?.close());

  it("splits requests by weight, says which revision served each, and reaches a tag alone", async () => {
    expect(
      (
        await call(url(), "POST", "/v1/functions", {
          token: alice,
          body: { name: "split", ...fn("split", "v1") },
        })
      ).status,
    ).toBe(201);
    expect(
      (await call(url(), "PUT", "/v1/functions/split", { token: alice, body: fn("split", "v2") }))
        .status,
    ).toBe(200);

    const set = await setTraffic("split", [
      { revision: 1, percent: 90 },
      { latestRevision: true, percent: 10, tag: "canary" },
      { revision: "split-00001", percent: 0, tag: "stable" },
    ]);
    expect(set.status).toBe(200);
    expect(set.body.traffic).toEqual([
      { revision: 1, name: "split-00001", percent: 90, latest_revision: false, ready_replicas: 1 },
      {
        revision: 2,
        name: "split-00002",
        percent: 10,
        tag: "canary",
        latest_revision: true,
        ready_replicas: expect.any(Number),
      },
      {
        revision: 1,
        name: "split-00001",
        percent: 0,
        tag: "stable",
        latest_revision: false,
        ready_replicas: 1,
      },
    ]);

    // The function's own workload rolls to v2 (its old process serves until the new one is
    // ready): wait until the newest revision's answers come from v2.
    const deadline = Date.now() + 10_000;
    while ((await invoke("split", { "x-eventflow-tag": "canary" })).body.version !== "v2") {
      if (Date.now() > deadline) throw new Error("split never served v2");
      await new Promise((r) => setTimeout(r, 50));
    }
    const counts: Record<string, number> = {};
    const n = 1000;
    for (let i = 0; i < n; i++) {
      const res = await invoke("split");
      expect(res.status).toBe(200);
      const revision = res.headers.get("x-eventflow-revision")!;
      // The answer comes from the revision the header names.
      expect(res.body.version).toBe(revision === "split-00001" ? "v1" : "v2");
      counts[revision] = (counts[revision] ?? 0) + 1;
    }
    const share = (counts["split-00001"] ?? 0) / n;
    console.log(`[traffic] 90/10 over ${n} invokes: ${JSON.stringify(counts)}`);
    // 90 % +/- 3 points (the binomial's standard deviation here is under 1 point).
    expect(share).toBeGreaterThanOrEqual(0.87);
    expect(share).toBeLessThanOrEqual(0.93);

    for (let i = 0; i < 20; i++) {
      const canary = await invoke("split", { "x-eventflow-tag": "canary" });
      expect(canary.headers.get("x-eventflow-revision")).toBe("split-00002");
      expect(canary.body.version).toBe("v2");
      const stable = await invoke("split", { "x-eventflow-tag": "stable" });
      expect(stable.headers.get("x-eventflow-revision")).toBe("split-00001");
    }
    const unknown = await invoke("split", { "x-eventflow-tag": "nope" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("TRAFFIC_TAG_NOT_FOUND");

    const revisions = (await call(url(), "GET", "/v1/functions/split/revisions", { token: alice }))
      .body;
    expect(revisions).toMatchObject([
      { number: 2, percent: 10, tags: ["canary"] },
      { number: 1, percent: 90, tags: ["stable"] },
    ]);
  });

  it("refuses traffic that breaks the rules or names a revision that does not exist, changing nothing", async () => {
    const before = await get("split");
    const bad = await setTraffic("split", [{ revision: 1, percent: 50 }]);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("TRAFFIC_INVALID");
    const missing = await setTraffic("split", [{ revision: 7, percent: 100 }]);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("REVISION_NOT_FOUND");
    const foreign = await setTraffic("split", [{ revision: "other-00001", percent: 100 }]);
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.code).toBe("REVISION_NAME_INVALID");
    expect((await get("split")).traffic).toEqual(before.traffic);
    // A function may not take a revision workload's name.
    const reserved = await call(url(), "POST", "/v1/functions", {
      token: alice,
      body: { name: "split-00001", ...fn("x", "v1") },
    });
    expect(reserved.status).toBe(400);
  });

  it("rolls back under an invoke loop without failing a request, then removes the idle workload", async () => {
    // All to the newest again: revision 1's workload is no longer needed.
    expect((await setTraffic("split", [{ latestRevision: true, percent: 100 }])).status).toBe(200);
    let stop = false;
    const failures: number[] = [];
    const served: string[] = [];
    const loop = (async () => {
      while (!stop) {
        const res = await invoke("split");
        if (res.status !== 200) failures.push(res.status);
        served.push(res.headers.get("x-eventflow-revision") ?? "");
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    const back = await call(url(), "POST", "/v1/functions/split:rollback", { token: alice });
    const ms = performance.now() - t0;
    expect(back.status).toBe(200);
    expect(back.body.traffic).toMatchObject([{ revision: 1, percent: 100 }]);
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await loop;
    console.log(
      `[traffic] rollback under load: ${ms.toFixed(0)} ms, ${served.length} invokes, ${failures.length} failed`,
    );
    expect(failures).toEqual([]);
    expect(served.at(-1)).toBe("split-00001");

    // Forward again: revision 1's workload takes nothing, and goes after the idle grace (1 s here).
    expect((await setTraffic("split", [{ latestRevision: true, percent: 100 }])).status).toBe(200);
    const deadline = Date.now() + 10_000;
    while (local.driver.endpoints("acme", "split-00001").length > 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect((await local.driver.list("acme")).map((s) => s.name)).not.toContain("split-00001");
  });

  it("rolls a failing revision back by itself, and promotes a healthy one to 100 %", async () => {
    const rollout = {
      steps: [20, 50, 100],
      intervalSeconds: 1,
      maxErrorRate: 0.05,
      maxP95Ms: 5000,
    };
    expect(
      (
        await call(url(), "POST", "/v1/functions", {
          token: alice,
          body: { name: "roll", ...fn("roll", "v1"), rollout },
        })
      ).status,
    ).toBe(201);
    const bad = await call(url(), "PUT", "/v1/functions/roll", {
      token: alice,
      body: fn("roll", "v2", {
        rollout,
        env: { FIXTURE_VERSION: "v2", FIXTURE_FAIL_STATUS: "500" },
      }),
    });
    expect(bad.status).toBe(200);
    expect(bad.body.traffic).toMatchObject([
      { revision: 1, percent: 80 },
      { revision: 2, percent: 20 },
    ]);
    expect(bad.body.rollout).toMatchObject({
      revision: 2,
      from: 1,
      phase: "progressing",
      step: 0,
      percent: 20,
    });
    const drive = async (until: (f: { rollout?: { phase: string } }) => boolean) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        for (let i = 0; i < 20; i++) await invoke("roll");
        const f = await get("roll");
        if (until(f)) return f;
        if (Date.now() > deadline) throw new Error(`rollout stuck: ${JSON.stringify(f.rollout)}`);
      }
    };
    const rolledBack = await drive((f) => f.rollout?.phase !== "progressing");
    expect(rolledBack.rollout).toMatchObject({ phase: "rolledBack", percent: 0 });
    // The first answers of revision 2 may still come from the rolling update's old process.
    expect(rolledBack.rollout.reason).toMatch(/^step 1 \(20%\): error rate [0-9.]+% > 5%$/);
    expect(rolledBack.traffic).toMatchObject([{ revision: 1, percent: 100 }]);
    for (let i = 0; i < 10; i++) expect((await invoke("roll")).status).toBe(200);

    const good = await call(url(), "PUT", "/v1/functions/roll", {
      token: alice,
      body: fn("roll", "v3", { rollout }),
    });
    expect(good.status).toBe(200);
    expect(good.body.rollout).toMatchObject({
      revision: 3,
      from: 1,
      phase: "progressing",
      percent: 20,
    });
    const promoted = await drive((f) => f.rollout?.phase !== "progressing");
    expect(promoted.rollout).toMatchObject({ phase: "promoted", percent: 100 });
    expect(promoted.traffic).toMatchObject([{ revision: 3, percent: 100, latest_revision: true }]);
    const res = await invoke("roll");
    expect(res.headers.get("x-eventflow-revision")).toBe("roll-00003");
    expect(res.body.version).toBe("v3");
  }, 60_000);

  it("deletes a function's revision workloads with it", async () => {
    expect(
      (
        await setTraffic("split", [
          { revision: 1, percent: 50 },
          { revision: 2, percent: 50 },
        ])
      ).status,
    ).toBe(200);
    expect(local.driver.endpoints("acme", "split-00001").length).toBe(1);
    expect((await call(url(), "DELETE", "/v1/functions/split", { token: alice })).status).toBe(204);
    const names = (await local.driver.list("acme")).map((s) => s.name);
    expect(names.filter((n) => n.startsWith("split"))).toEqual([]);
  });
});
