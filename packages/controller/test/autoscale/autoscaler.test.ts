// The autoscaler's loop with the real decision and windows; the driver and the scraper are
// stand-ins (what the replicas report is set by each test; scrape.test.ts reads real ones).
import { resolveScaling, type RequestScaling } from "@eventflow/protocol";
import { describe, expect, it } from "vitest";
import { createAutoscaler } from "../../src/autoscale/autoscaler.js";
import type { Observation, Scraper } from "../../src/autoscale/scrape.js";
import type { AutoscaledFunction, Endpoint } from "../../src/drivers/driver.js";

const scaling = (over: Record<string, unknown> = {}) =>
  resolveScaling({
    replicas: 1,
    scaling: { metric: "concurrency", target: 10, minReplicas: 0, maxReplicas: 8, ...over },
  }) as RequestScaling;

const eps = (n: number): Endpoint[] =>
  Array.from({ length: n }, (_, i) => ({ replica: `r-${i}`, url: `http://10.0.0.${i + 1}:8080` }));

function harness(
  options: {
    leading?: () => boolean;
    scale?: Record<string, unknown>;
    inFlight?: () => number;
  } = {},
) {
  let clock = 1_000_000;
  const fn = { replicas: 1, ready: 1 };
  let load = 0;
  let held = 0;
  const writes: number[] = [];
  const scraper: Scraper = {
    observe: async (_key, targets) =>
      ({
        atMs: clock,
        concurrency: load,
        rps: load,
        sampled: targets.length,
        replicas: targets.length,
      }) satisfies Observation,
    forget: () => undefined,
    close: async () => undefined,
  };
  const autoscaler = createAutoscaler({
    driver: {
      autoscaled: (): AutoscaledFunction[] => [
        {
          tenant: "acme",
          name: "fx",
          scaling: scaling(options.scale),
          replicas: fn.replicas,
          endpoints: eps(fn.ready),
        },
      ],
      setReplicas: async (_t, _n, replicas) => {
        writes.push(replicas);
        fn.replicas = replicas;
      },
      ...(options.leading ? { leading: options.leading } : {}),
    },
    scraper,
    queued: () => held,
    ...(options.inFlight ? { inFlight: options.inFlight } : {}),
    intervalMs: 2000,
    now: () => clock,
  });
  return {
    autoscaler,
    fn,
    writes,
    set: (l: number) => (load = l),
    hold: (h: number) => (held = h),
    /** Runs `n` ticks, 2 s apart. */
    async ticks(n: number) {
      for (let i = 0; i < n; i++) {
        clock += 2000;
        await autoscaler.tick();
      }
    },
  };
}

describe("the autoscaler loop", () => {
  it("a burst at 4x the target panics up to load/target at once; the status says so", async () => {
    const h = harness();
    h.set(40);
    await h.ticks(1);
    expect(h.writes).toEqual([4]);
    expect(h.autoscaler.status("acme/fx")).toMatchObject({ desired_replicas: 4, panic: true });
  });

  it("what this controller has in flight is a floor for the load the replicas report", async () => {
    // The replicas hold 5; 40 are on their way through this controller (a busy machine).
    const h = harness({ inFlight: () => 40 });
    h.set(5);
    await h.ticks(1);
    expect(h.writes).toEqual([4]);
    const quiet = harness({ inFlight: () => 0 });
    quiet.set(5);
    await quiet.ticks(1);
    expect(quiet.writes).toEqual([]);
  });

  it("invocations held at zero wake the function (one replica), no load needed", async () => {
    const h = harness();
    h.fn.replicas = 0;
    h.fn.ready = 0;
    h.hold(3);
    await h.ticks(1);
    expect(h.writes).toEqual([1]);
    expect(h.autoscaler.status("acme/fx")?.queued).toBe(3);
  });

  it("goes to zero once no traffic was seen for scaleToZeroAfterSeconds, not before", async () => {
    const h = harness({ scale: { scaleToZeroAfterSeconds: 10 } });
    h.set(5);
    await h.ticks(2);
    expect(h.writes).toEqual([]);
    h.set(0);
    await h.ticks(4); // 8 s idle
    expect(h.writes).toEqual([]);
    await h.ticks(2); // 12 s idle
    expect(h.writes).toEqual([0]);
  });

  it("a wake-up after scale to zero is sized by new load, not the load before the idle spell", async () => {
    const h = harness({ scale: { scaleToZeroAfterSeconds: 10 } });
    h.fn.ready = 4;
    h.fn.replicas = 4;
    h.set(40);
    await h.ticks(3);
    h.set(0);
    // 16 s idle, well inside the 60 s stable window that remembers 40; the ready replicas follow
    // the count down (a scale-down halves at most per decision).
    for (let i = 0; i < 8; i++) {
      h.fn.ready = h.fn.replicas;
      await h.ticks(1);
    }
    expect(h.writes.at(-1)).toBe(0);
    h.fn.ready = 0;
    h.hold(1);
    await h.ticks(1);
    expect(h.writes.at(-1)).toBe(1);
    h.hold(0);
    h.fn.ready = 1;
    h.set(1);
    await h.ticks(3);
    expect(h.writes.at(-1)).toBe(1);
    expect(h.fn.replicas).toBe(1);
  });

  it("a wake-up by another controller counts as traffic: no scale back to zero at once", async () => {
    const h = harness({ scale: { scaleToZeroAfterSeconds: 10 } });
    h.set(0);
    await h.ticks(7);
    expect(h.writes).toEqual([0]);
    h.fn.replicas = 1; // the activator of another replica woke it
    await h.ticks(2);
    expect(h.writes).toEqual([0]);
    await h.ticks(5);
    expect(h.writes).toEqual([0, 0]);
  });

  it("does nothing where another controller leads", async () => {
    let leading = false;
    const h = harness({ leading: () => leading });
    h.set(80);
    await h.ticks(3);
    expect(h.writes).toEqual([]);
    expect(h.autoscaler.status("acme/fx")).toBeUndefined();
    leading = true;
    await h.ticks(1);
    expect(h.writes).toEqual([8]);
  });

  it("replicas that never answer hold up their own function, not the others' decisions", async () => {
    // 63 functions whose scrapes hang (a hostile or stuck replica, until the scraper's timeout)
    // are listed before one whose replicas answer at once.
    const fns: AutoscaledFunction[] = Array.from({ length: 64 }, (_, i) => ({
      tenant: "acme",
      name: i === 63 ? "good" : `stuck-${i}`,
      scaling: scaling(),
      replicas: 1,
      endpoints: eps(1),
    }));
    let release = () => {};
    const stuck = new Promise<undefined>((r) => (release = () => r(undefined)));
    const writes: string[] = [];
    const autoscaler = createAutoscaler({
      driver: {
        autoscaled: () => fns,
        setReplicas: async (_t, name, replicas) => void writes.push(`${name}=${replicas}`),
      },
      scraper: {
        observe: async (key, targets) =>
          key === "acme/good"
            ? { atMs: Date.now(), concurrency: 50, rps: 50, sampled: 1, replicas: targets.length }
            : stuck,
        forget: () => undefined,
        close: async () => undefined,
      },
      queued: () => 0,
      intervalMs: 2000,
    });
    const tick = autoscaler.tick();
    await new Promise((r) => setTimeout(r, 20));
    expect(writes).toEqual(["good=5"]);
    release();
    await tick;
  });
});
