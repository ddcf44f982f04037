// Revisions taking traffic on a real node (issue 19): one image built by `eventflow build
// --push` whose answers name the revision's environment (`VERSION`) and which answers with
// `FAIL_STATUS` when that variable is set; the controller out of cluster (kubernetes driver)
// runs the newest revision in the function's own Deployment and every other revision the
// traffic names in a Deployment of its own (`split-00001`). Through the controller's HTTP API:
// a 90/10 split, a tag at 0 %, a rollback under an invoke loop, rollouts rolled back by
// themselves or promoted, and a delete that takes the revisions' Deployments with it.
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { AppsV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRegistry, type TestRegistry } from "../registry/index.ts";
import { callApi } from "./support/api.ts";
import { livePods } from "./support/functions.ts";
import { eventually } from "./support/eventually.ts";
import { buildProject, pushFunctionBase } from "./support/images.ts";
import { startControllerProcess, type RunningController } from "./support/controller.ts";
import { startNodeCluster, type NodeCluster } from "./support/node-cluster.ts";

const NS = "default";
const SPLIT = "split";
const ROLL = "roll";
const LIVE = "live";
const ROLLOUT = { steps: [20, 50, 100], intervalSeconds: 2, maxErrorRate: 0.05, maxP95Ms: 5000 };

// Answers `{"version": $VERSION}`; with FAIL_STATUS set, the same body with that status. With
// START_DELAY_MS, a replica takes that long to start (a slow init: a model loaded, a pool
// connected): the runtime runs `init` before it listens, so the pod is ready only after it.
const HANDLER = `export async function init() {
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.START_DELAY_MS ?? 0)));
}

export function handle() {
  const body = { version: process.env.VERSION ?? "none" };
  const fail = process.env.FAIL_STATUS;
  return fail ? { statusCode: Number(fail), body } : body;
}
`;

let cluster: NodeCluster;
let registry: TestRegistry;
let controller: RunningController;
let apps: AppsV1Api;
let token: string;
let image: string;

interface Reply {
  readonly status: number;
  /** `x-eventflow-revision`: the revision that served an invoke. */
  readonly revision: string | null;
  /** The JSON answer (the function's `{version}` or the platform's error envelope); {} if empty. */
  readonly body: { version?: string; error?: { code: string } } & Record<string, unknown>;
}

async function api(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const target = { url: controller.url, token };
  const res = await callApi<Reply["body"] | undefined>(target, { method, path, body, headers });
  return {
    status: res.status,
    revision: res.headers.get("x-eventflow-revision"),
    body: res.body ?? {},
  };
}

const invoke = (name: string, tag?: string) =>
  api(
    "POST",
    `/v1/functions/${name}:invoke`,
    {},
    tag === undefined ? {} : { "x-eventflow-tag": tag },
  );
const setTraffic = (name: string, traffic: object[]) =>
  api("POST", `/v1/functions/${name}:traffic`, { traffic });
const getFunction = async (name: string) => (await api("GET", `/v1/functions/${name}`)).body;
const spec = (version: string, extra: Record<string, unknown> = {}) => ({
  image,
  replicas: 1,
  env: { VERSION: version },
  ...extra,
});

/** `name-0000N` answers with `vN` in this file (revision N was made with VERSION vN). */
const versionOf = (revision: string | null) => `v${Number(revision?.split("-").at(-1))}`;

/**
 * Until the function's own Deployment has finished rolling to `env`: its one live pod runs with
 * those variables and is ready, and no pod of the previous template is left (its old pod serves
 * the newest revision's requests until the new one is ready).
 */
async function rolledTo(name: string, env: Record<string, string>): Promise<void> {
  await eventually(
    `${name} rolled to ${JSON.stringify(env)}`,
    async () => {
      const deployment = await apps.readNamespacedDeployment({ name, namespace: NS });
      const s = deployment.status;
      if (
        s?.observedGeneration !== deployment.metadata?.generation ||
        s?.updatedReplicas !== 1 ||
        s?.replicas !== 1 ||
        s?.readyReplicas !== 1
      )
        return false;
      const pods = await livePods(cluster.core, NS, name);
      return (
        pods.length === 1 &&
        pods.every(
          (p) =>
            p.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") &&
            Object.entries(env).every(
              ([k, v]) => p.spec?.containers[0]?.env?.find((e) => e.name === k)?.value === v,
            ) &&
            (env.FAIL_STATUS !== undefined ||
              !p.spec?.containers[0]?.env?.some((e) => e.name === "FAIL_STATUS")),
        )
      );
    },
    180_000,
    500,
  );
}

/** The function's Deployments and its revisions' (`name`, `name-0000N`) that are not going. */
async function deploymentsOf(name: string): Promise<string[]> {
  const list = await apps.listNamespacedDeployment({ namespace: NS });
  return list.items
    .filter((d) => d.metadata?.deletionTimestamp === undefined)
    .map((d) => d.metadata?.labels?.["eventflow.dev/function"] ?? "")
    .filter((f) => f === name || new RegExp(`^${name}-[0-9]{5}$`).test(f))
    .sort();
}

beforeAll(async () => {
  [cluster, registry] = await Promise.all([startNodeCluster(), startRegistry({ mode: "plain" })]);
  await cluster.trustRegistry(registry.host);
  apps = cluster.kc.makeApiClient(AppsV1Api);
  const base = await pushFunctionBase(registry);
  const dir = await mkdtemp(`${tmpdir()}/ef-revisions-`);
  await mkdir(`${dir}/src`);
  await writeFile(`${dir}/package.json`, '{"name":"versioned"}');
  await writeFile(`${dir}/src/index.ts`, HANDLER);
  image = await buildProject(registry, dir, "versioned", base);
  controller = await startControllerProcess({
    kubeconfig: cluster.kubeconfig,
    namespace: NS,
    logDir: `${cluster.dir}/logs`,
  });
  token = await controller.token();
}, 600_000);

afterAll(async () => {
  await controller?.stop();
  await registry?.stop();
  await cluster?.stop();
  console.log(`[revisions-e2e] component logs in ${cluster?.dir}/logs`);
});

describe("revisions taking traffic on a real node", () => {
  it("splits 2000 invokes 90/10 between two revisions, each answer from the revision it names", async () => {
    const created = await api("POST", "/v1/functions", { name: SPLIT, ...spec("v1") });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await rolledTo(SPLIT, { VERSION: "v1" });
    const updated = await api("PUT", `/v1/functions/${SPLIT}`, spec("v2"));
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);

    const t0 = Date.now();
    const set = await setTraffic(SPLIT, [
      { revision: 1, percent: 90 },
      { latestRevision: true, percent: 10 },
    ]);
    console.log(`[revisions-e2e] traffic 90/10 set in ${Date.now() - t0} ms (split-00001 started)`);
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.traffic).toMatchObject([
      { revision: 1, name: "split-00001", percent: 90, latest_revision: false, ready_replicas: 1 },
      { revision: 2, name: "split-00002", percent: 10, latest_revision: true },
    ]);
    // Revision 1 runs in a Deployment of its own, on the node.
    expect(await deploymentsOf(SPLIT)).toEqual([SPLIT, "split-00001"]);
    const [pod] = await livePods(cluster.core, NS, "split-00001");
    expect(pod?.spec?.nodeName).toBe(cluster.nodeName);

    // The function's own Deployment rolls to v2; count only once its old pod is gone.
    await rolledTo(SPLIT, { VERSION: "v2" });

    const counts: Record<string, number> = {};
    const wrong: string[] = [];
    const n = 2000;
    let sent = 0;
    const caller = async () => {
      while (sent < n) {
        sent++;
        const res = await invoke(SPLIT);
        const key = `${res.status} ${res.revision}`;
        counts[key] = (counts[key] ?? 0) + 1;
        if (res.status !== 200 || res.body.version !== versionOf(res.revision))
          wrong.push(`${key} ${JSON.stringify(res.body)}`);
      }
    };
    await Promise.all(Array.from({ length: 4 }, caller));
    console.log(`[revisions-e2e] 90/10 over ${n} invokes: ${JSON.stringify(counts)}`);
    expect(wrong.slice(0, 5)).toEqual([]);
    const share = (counts["200 split-00001"] ?? 0) / n;
    // 90 % +/- 3 points (the binomial's standard deviation over 2000 is 0.67 points).
    expect(share).toBeGreaterThanOrEqual(0.87);
    expect(share).toBeLessThanOrEqual(0.93);
  }, 300_000);

  it("a tag at 0 % reaches only its revision; an unknown tag is 404 TRAFFIC_TAG_NOT_FOUND", async () => {
    const set = await setTraffic(SPLIT, [
      { revision: 1, percent: 100 },
      { latestRevision: true, percent: 0, tag: "canary" },
    ]);
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    for (let i = 0; i < 20; i++) {
      const canary = await invoke(SPLIT, "canary");
      expect(canary.status).toBe(200);
      expect(canary.revision).toBe("split-00002");
      expect(canary.body.version).toBe("v2");
      // Without the tag, every request goes to revision 1.
      const plain = await invoke(SPLIT);
      expect(plain.revision).toBe("split-00001");
      expect(plain.body.version).toBe("v1");
    }
    const unknown = await invoke(SPLIT, "nope");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe("TRAFFIC_TAG_NOT_FOUND");
  });

  it("a rollback under an invoke loop fails no request", async () => {
    // Everything to the newest (2): revision 1's Deployment stays for its idle grace.
    expect((await setTraffic(SPLIT, [{ latestRevision: true, percent: 100 }])).status).toBe(200);
    let load = true;
    const outcomes: string[] = [];
    const failures: string[] = [];
    const caller = async () => {
      while (load) {
        try {
          const res = await invoke(SPLIT);
          outcomes.push(res.revision ?? "");
          if (res.status !== 200 || res.body.version !== versionOf(res.revision))
            failures.push(`${res.status} ${res.revision} ${JSON.stringify(res.body)}`);
        } catch (error) {
          failures.push(String(error));
        }
      }
    };
    const callers = Array.from({ length: 4 }, caller);
    let ms: number;
    let back: Reply;
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const t0 = performance.now();
      back = await api("POST", `/v1/functions/${SPLIT}:rollback`);
      ms = performance.now() - t0;
      await new Promise((r) => setTimeout(r, 1000));
    } finally {
      load = false;
      await Promise.all(callers);
    }
    const before = outcomes.filter((r) => r === "split-00002").length;
    console.log(
      `[revisions-e2e] rollback under 4 invoke loops: ${ms.toFixed(0)} ms; ${outcomes.length} invokes ` +
        `(${before} by split-00002, ${outcomes.length - before} by split-00001), ${failures.length} failed`,
    );
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect(back.body.traffic).toMatchObject([{ revision: 1, percent: 100 }]);
    expect(failures).toEqual([]);
    expect(before).toBeGreaterThan(0);
    expect(outcomes.at(-1)).toBe("split-00001");
  });

  it("a rollout whose new revision answers 500 is rolled back by itself; a healthy one is promoted", async () => {
    const created = await api("POST", "/v1/functions", {
      name: ROLL,
      ...spec("v1", { rollout: ROLLOUT }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await rolledTo(ROLL, { VERSION: "v1" });

    const bad = await api(
      "PUT",
      `/v1/functions/${ROLL}`,
      spec("v2", { rollout: ROLLOUT, env: { VERSION: "v2", FAIL_STATUS: "500" } }),
    );
    expect(bad.status, JSON.stringify(bad.body)).toBe(200);
    expect(bad.body.traffic).toMatchObject([
      { revision: 1, percent: 80 },
      { revision: 2, percent: 20 },
    ]);
    expect(bad.body.rollout).toMatchObject({ revision: 2, from: 1, phase: "progressing" });
    // A step is judged on 20 requests of the new revision at least: none is sent before the
    // function's own Deployment runs it (until then its old pod answers for it).
    await rolledTo(ROLL, { VERSION: "v2", FAIL_STATUS: "500" });

    const drive = async (what: string) => {
      const seen: Record<string, number> = {};
      const f = await eventually(
        what,
        async () => {
          for (let i = 0; i < 20; i++) {
            const res = await invoke(ROLL);
            const key = `${res.status} ${res.revision}`;
            seen[key] = (seen[key] ?? 0) + 1;
          }
          const fn = await getFunction(ROLL);
          const rollout = fn.rollout as { phase: string } | undefined;
          return rollout?.phase !== "progressing" ? fn : undefined;
        },
        60_000,
        0,
      );
      console.log(
        `[revisions-e2e] ${what}: ${JSON.stringify(f.rollout)} after invokes ${JSON.stringify(seen)}`,
      );
      return f;
    };
    const rolledBack = await drive("rollout of a revision answering 500");
    expect(rolledBack.rollout).toMatchObject({ revision: 2, phase: "rolledBack", percent: 0 });
    expect((rolledBack.rollout as { reason: string }).reason).toMatch(
      /^step 1 \(20%\): error rate [0-9.]+% > 5%$/,
    );
    expect(rolledBack.traffic).toMatchObject([{ revision: 1, percent: 100 }]);
    expect(rolledBack.traffic).toHaveLength(1);
    for (let i = 0; i < 20; i++) {
      const res = await invoke(ROLL);
      expect(res.status).toBe(200);
      expect(res.revision).toBe("roll-00001");
    }

    const good = await api("PUT", `/v1/functions/${ROLL}`, spec("v3", { rollout: ROLLOUT }));
    expect(good.status, JSON.stringify(good.body)).toBe(200);
    expect(good.body.rollout).toMatchObject({
      revision: 3,
      from: 1,
      phase: "progressing",
      percent: 20,
    });
    await rolledTo(ROLL, { VERSION: "v3" });
    const promoted = await drive("rollout of a healthy revision");
    expect(promoted.rollout).toMatchObject({ revision: 3, phase: "promoted", percent: 100 });
    expect(promoted.traffic).toMatchObject([{ revision: 3, percent: 100, latest_revision: true }]);
    expect(promoted.traffic).toHaveLength(1);
    for (let i = 0; i < 20; i++) {
      const res = await invoke(ROLL);
      expect(res.status).toBe(200);
      expect(res.revision).toBe("roll-00003");
      expect(res.body.version).toBe("v3");
    }
  }, 300_000);

  it("under a continuous invoke loop, a rollout is judged on the new revision's own answers while its pods start", async () => {
    // As users run them: requests keep coming while the function's Deployment rolls, and the
    // new revision's pods take 6 s to start (START_DELAY_MS), so the Deployment's previous pod
    // answers the new revision's share until then. Each answer's body says which spec served
    // it. A step must be judged on the new revision's answers only: a failing revision is
    // rolled back, and a healthy one that follows it (its Deployment's old pod answering 500)
    // is promoted.
    const slow = { START_DELAY_MS: "6000" };
    const created = await api("POST", "/v1/functions", {
      name: LIVE,
      ...spec("v1", { rollout: ROLLOUT }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await rolledTo(LIVE, { VERSION: "v1" });

    let load = true;
    // `status revision body-version` of each answer, by the update it followed.
    const answers: { phase: string; key: string }[] = [];
    let phase = "v2";
    const caller = async () => {
      while (load) {
        const res = await invoke(LIVE);
        answers.push({ phase, key: `${res.status} ${res.revision} ${res.body.version}` });
      }
    };
    // What GET showed of the rollout while it ran (each change, with its time since the update).
    const states: string[] = [];
    const settle = (what: string, since: number) =>
      eventually(
        what,
        async () => {
          const fn = await getFunction(LIVE);
          const r = fn.rollout as { phase: string; step: number; reason?: string } | undefined;
          const state = `${r?.phase} step ${r?.step}: ${r?.reason ?? ""}`;
          if (!states.at(-1)?.endsWith(state)) states.push(`+${Date.now() - since} ms ${state}`);
          return r?.phase !== "progressing" ? fn : undefined;
        },
        90_000,
      );
    const summary = (p: string) => {
      const counts: Record<string, number> = {};
      for (const a of answers.filter((x) => x.phase === p))
        counts[a.key] = (counts[a.key] ?? 0) + 1;
      return JSON.stringify(counts);
    };
    const callers = Array.from({ length: 4 }, caller);
    let failing: Reply["body"];
    let healthy: Reply["body"];
    try {
      await new Promise((r) => setTimeout(r, 500));
      let t0 = Date.now();
      const bad = await api(
        "PUT",
        `/v1/functions/${LIVE}`,
        spec("v2", { rollout: ROLLOUT, env: { VERSION: "v2", FAIL_STATUS: "500", ...slow } }),
      );
      expect(bad.status, JSON.stringify(bad.body)).toBe(200);
      failing = await settle("the failing rollout under load", t0);
      console.log(
        `[revisions-e2e] under load, slow-starting revision answering 500: ${JSON.stringify(failing.rollout)} ` +
          `${Date.now() - t0} ms after the update; answers (status revision body-version): ${summary("v2")}; ` +
          `rollout states: ${states.splice(0).join(" | ")}`,
      );
      await rolledTo(LIVE, { VERSION: "v2", FAIL_STATUS: "500", ...slow });
      phase = "v3";
      t0 = Date.now();
      const good = await api(
        "PUT",
        `/v1/functions/${LIVE}`,
        spec("v3", { rollout: ROLLOUT, env: { VERSION: "v3", ...slow } }),
      );
      expect(good.status, JSON.stringify(good.body)).toBe(200);
      healthy = await settle("the healthy rollout under load", t0);
      console.log(
        `[revisions-e2e] under load, slow-starting healthy revision after it: ${JSON.stringify(healthy.rollout)} ` +
          `${Date.now() - t0} ms after the update; answers: ${summary("v3")}; ` +
          `rollout states: ${states.splice(0).join(" | ")}`,
      );
    } finally {
      load = false;
      await Promise.all(callers);
    }
    expect.soft(failing.rollout).toMatchObject({ revision: 2, phase: "rolledBack" });
    expect.soft(healthy.rollout).toMatchObject({ revision: 3, phase: "promoted", percent: 100 });
    expect((await api("DELETE", `/v1/functions/${LIVE}`)).status).toBe(204);
  }, 300_000);

  it("deleting a function deletes its revisions' Deployments", async () => {
    // Both revisions take requests again: split-00001's Deployment exists and serves.
    const set = await setTraffic(SPLIT, [
      { revision: 1, percent: 50 },
      { revision: 2, percent: 50 },
    ]);
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(await deploymentsOf(SPLIT)).toEqual([SPLIT, "split-00001"]);
    expect((await api("DELETE", `/v1/functions/${SPLIT}`)).status).toBe(204);
    await eventually(
      "no Deployment of split or its revisions",
      async () => ((await deploymentsOf(SPLIT)).length === 0 ? true : undefined),
      30_000,
    );
    await eventually("no pod of split or its revisions", async () => {
      const pods = await cluster.core.listNamespacedPod({ namespace: NS });
      return pods.items.every(
        (p) => !p.metadata?.labels?.["eventflow.dev/function"]?.startsWith(SPLIT),
      );
    });
    expect((await api("GET", `/v1/functions/${SPLIT}`)).status).toBe(404);

    expect((await api("DELETE", `/v1/functions/${ROLL}`)).status).toBe(204);
    await eventually(
      "no Deployment of roll or its revisions",
      async () => ((await deploymentsOf(ROLL)).length === 0 ? true : undefined),
      30_000,
    );
  });
});
