/**
 * The queue contract: one suite that every backend passes (sqlite-queue.test.ts and
 * jetstream-queue.test.ts run it). The deliverer stands in for the function: it answers
 * what each test scripts, and records when each attempt started. Ordering is not promised,
 * so no test depends on the order of deliveries.
 */
import { afterEach, describe, expect, it } from "vitest";
import { createInvocationQueue, type InvocationQueue } from "../../src/async/invocations.js";
import type { AttemptOutcome, Invocation, RetryPolicy } from "../../src/async/model.js";
import type { Consumer, QueueBackend } from "../../src/async/queue.js";
import type { Deliverer } from "../../src/async/worker.js";

/** Makes a fresh, empty backend (each test gets its own). */
export type BackendFactory = (options: { ttlMs: number }) => Promise<QueueBackend>;

const FAST: RetryPolicy = { maxAttempts: 3, backoff: { initialMs: 20, maxMs: 100, multiplier: 2 } };
const TTL = 60_000;

const answered = (status: number, body = "", retryAfterMs?: number): AttemptOutcome => ({
  kind: "answered",
  result: { status, body: Buffer.from(body).toString("base64"), truncated: false },
  ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
});

const request = (body = "{}") => ({
  body: Buffer.from(body).toString("base64"),
  contentType: "application/json",
  querystring: "",
});

/** Polls until `check` holds (the worker runs on its own schedule). */
export async function eventually<T>(
  probe: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (check(value)) return value;
    if (Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Registers the contract's tests for one backend. */
export function queueContract(name: string, makeBackend: BackendFactory): void {
  describe(`queue contract: ${name}`, () => {
    const open: Array<{ queue: InvocationQueue; workers: Consumer[] }> = [];

    afterEach(async () => {
      for (const { queue, workers } of open.splice(0)) {
        for (const w of workers) await w.stop();
        await queue.close();
      }
    });

    async function setup(
      options: {
        idempotencyWindowMs?: number;
        retry?: RetryPolicy;
        wrap?: (backend: QueueBackend) => QueueBackend;
      } = {},
    ) {
      const made = await makeBackend({ ttlMs: TTL });
      const backend = options.wrap?.(made) ?? made;
      const queue = createInvocationQueue({
        backend,
        defaultRetry: options.retry ?? FAST,
        idempotencyWindowMs: options.idempotencyWindowMs ?? 60_000,
        ttlMs: TTL,
      });
      const entry = { queue, workers: [] as Consumer[] };
      open.push(entry);
      const work = (deliver: Deliverer, more: { maxInFlightPerFunction?: number } = {}) => {
        entry.workers.push(
          queue.startWorker({
            deliver,
            concurrency: 8,
            maxInFlightPerFunction: more.maxInFlightPerFunction ?? 100,
            keepAliveMs: 200,
          }),
        );
      };
      const settled = (tenant: string, id: string, state: Invocation["state"]) =>
        eventually(
          () => queue.get(tenant, id),
          (inv) => inv?.state === state,
        );
      return { queue, work, settled };
    }

    it("delivers an invocation and keeps its result", async () => {
      const { queue, work, settled } = await setup();
      const seen: string[] = [];
      work(async (inv) => {
        seen.push(Buffer.from(inv.request.body, "base64").toString());
        return answered(200, "hello");
      });
      const { invocation, created } = await queue.enqueue({
        tenant: "acme",
        function: "echo",
        request: request('{"n":1}'),
      });
      expect(created).toBe(true);
      expect(invocation.state).toBe("queued");
      const done = await settled("acme", invocation.id, "succeeded");
      expect(done?.state).toBe("succeeded");
      expect(done?.attempts).toHaveLength(1);
      expect(done?.attempts[0]?.status).toBe(200);
      expect(Buffer.from(done!.result!.body, "base64").toString()).toBe("hello");
      expect(done?.expiresAt).toBeDefined();
      expect(seen).toEqual(['{"n":1}']);
    });

    it("retries with backoff and goes dead after exactly maxAttempts", async () => {
      const retry: RetryPolicy = {
        maxAttempts: 4,
        backoff: { initialMs: 60, maxMs: 150, multiplier: 2 },
      };
      const { queue, work, settled } = await setup({ retry });
      const starts: number[] = [];
      work(async () => {
        starts.push(Date.now());
        return answered(503, "down");
      });
      const { invocation } = await queue.enqueue({
        tenant: "acme",
        function: "flaky",
        request: request(),
      });
      const dead = await settled("acme", invocation.id, "dead");
      expect(dead?.state).toBe("dead");
      expect(dead?.attempts.map((a) => a.status)).toEqual([503, 503, 503, 503]);
      // Give a wrong extra delivery the chance to show up.
      await new Promise((r) => setTimeout(r, 300));
      expect(starts).toHaveLength(4);
      // Lower bounds only: the backoff's delays 60, 120, 150 (capped) between attempts.
      const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
      expect(gaps[0]).toBeGreaterThanOrEqual(55);
      expect(gaps[1]).toBeGreaterThanOrEqual(115);
      expect(gaps[2]).toBeGreaterThanOrEqual(145);
      const letters = await queue.list({ tenant: "acme", states: ["dead"], limit: 10 });
      expect(letters.map((l) => l.id)).toEqual([invocation.id]);
    });

    it("honours retry-after over a shorter backoff", async () => {
      const { queue, work, settled } = await setup();
      const starts: number[] = [];
      work(async () => {
        starts.push(Date.now());
        return starts.length === 1 ? answered(429, "", 400) : answered(200);
      });
      const { invocation } = await queue.enqueue({
        tenant: "acme",
        function: "f",
        request: request(),
      });
      const done = await settled("acme", invocation.id, "succeeded");
      expect(done?.attempts.map((a) => a.status)).toEqual([429, 200]);
      expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(395);
    });

    it("does not retry an answer outside retryOn (4xx): failed after one attempt", async () => {
      const { queue, work, settled } = await setup();
      let calls = 0;
      work(async () => {
        calls++;
        return answered(400, "bad input");
      });
      const { invocation } = await queue.enqueue({
        tenant: "acme",
        function: "f",
        request: request(),
      });
      const failed = await settled("acme", invocation.id, "failed");
      expect(failed?.state).toBe("failed");
      expect(failed?.result?.status).toBe(400);
      expect(calls).toBe(1);
    });

    it("retries a platform error (timeout) and records its code", async () => {
      const { queue, work, settled } = await setup();
      let calls = 0;
      work(async () => {
        calls++;
        return calls === 1
          ? { kind: "error", error: { code: "INVOKE_TIMEOUT", message: "t" }, retryable: true }
          : answered(200);
      });
      const { invocation } = await queue.enqueue({
        tenant: "acme",
        function: "f",
        request: request(),
      });
      const done = await settled("acme", invocation.id, "succeeded");
      expect(done?.attempts[0]?.error?.code).toBe("INVOKE_TIMEOUT");
      expect(done?.attempts[1]?.status).toBe(200);
    });

    it("redrives one, a function's, or all dead letters with a fresh budget; purges", async () => {
      const retry: RetryPolicy = {
        maxAttempts: 1,
        backoff: { initialMs: 10, maxMs: 10, multiplier: 1 },
      };
      const { queue, work, settled } = await setup({ retry });
      let healthy = false;
      work(async () => (healthy ? answered(200) : answered(500)));
      const ids: Record<string, string[]> = { a: [], b: [] };
      for (const fn of ["a", "a", "b", "b"]) {
        const { invocation } = await queue.enqueue({
          tenant: "acme",
          function: fn,
          request: request(),
        });
        ids[fn]!.push(invocation.id);
      }
      for (const id of [...ids.a!, ...ids.b!]) await settled("acme", id, "dead");
      // Another tenant cannot see, redrive or purge them.
      expect(await queue.redrive("evil", {})).toEqual([]);
      expect(await queue.purge("evil", { ids: ids.a! })).toEqual([]);
      expect(await queue.get("evil", ids.a![0]!)).toBeUndefined();

      healthy = true;
      expect(await queue.redrive("acme", { ids: [ids.a![0]!] })).toEqual([ids.a![0]]);
      const one = await settled("acme", ids.a![0]!, "succeeded");
      expect(one?.attempts.map((a) => a.status)).toEqual([500, 200]);
      expect(one?.attemptBase).toBe(1);

      expect((await queue.redrive("acme", { function: "b" })).sort()).toEqual([...ids.b!].sort());
      for (const id of ids.b!) await settled("acme", id, "succeeded");

      healthy = false;
      const { invocation: extra } = await queue.enqueue({
        tenant: "acme",
        function: "c",
        request: request(),
      });
      await settled("acme", extra.id, "dead");
      healthy = true;
      expect((await queue.redrive("acme", {})).sort()).toEqual([ids.a![1]!, extra.id].sort());
      await settled("acme", extra.id, "succeeded");

      healthy = false;
      const { invocation: doomed } = await queue.enqueue({
        tenant: "acme",
        function: "c",
        request: request(),
      });
      await settled("acme", doomed.id, "dead");
      expect(await queue.purge("acme", { function: "c" })).toEqual([doomed.id]);
      expect(await queue.get("acme", doomed.id)).toBeUndefined();
      expect(await queue.get("acme", extra.id)).toBeDefined();
    });

    it("dedupes by idempotency key within the window, per function", async () => {
      const { queue, work, settled } = await setup({ idempotencyWindowMs: 700 });
      let calls = 0;
      work(async () => {
        calls++;
        return answered(200);
      });
      const input = { tenant: "acme", function: "f", request: request(), idempotencyKey: "k-1" };
      const first = await queue.enqueue(input);
      const again = await queue.enqueue(input);
      const racing = await Promise.all([queue.enqueue(input), queue.enqueue(input)]);
      expect(first.created).toBe(true);
      expect(again.created).toBe(false);
      expect(again.invocation.id).toBe(first.invocation.id);
      for (const r of racing) expect(r.invocation.id).toBe(first.invocation.id);
      const other = await queue.enqueue({ ...input, function: "g" });
      expect(other.created).toBe(true);
      const otherTenant = await queue.enqueue({ ...input, tenant: "other" });
      expect(otherTenant.created).toBe(true);
      await settled("acme", first.invocation.id, "succeeded");
      await new Promise((r) => setTimeout(r, 800));
      const later = await queue.enqueue(input);
      expect(later.created).toBe(true);
      expect(later.invocation.id).not.toBe(first.invocation.id);
      await settled("acme", later.invocation.id, "succeeded");
      await settled("other", otherTenant.invocation.id, "succeeded");
      await settled("acme", other.invocation.id, "succeeded");
      expect(calls).toBe(4);
    });

    it("a retry with the idempotency key delivers what a failed first request stored", async () => {
      let failNext = true;
      const { queue, work, settled } = await setup({
        wrap: (backend) => ({
          ...backend,
          async insert(inv, idempotency) {
            // The first request stored its record and key, then lost the queue before its
            // answer came back (a timeout): nothing was dispatched.
            const stored = await backend.insert(inv, idempotency);
            if (failNext) {
              failNext = false;
              throw new Error("connection lost");
            }
            return stored;
          },
        }),
      });
      work(async () => answered(200));
      const input = { tenant: "acme", function: "f", request: request(), idempotencyKey: "k-lost" };
      await expect(queue.enqueue(input)).rejects.toThrow("connection lost");
      const again = await queue.enqueue(input);
      const done = await settled("acme", again.invocation.id, "succeeded");
      expect(done?.state).toBe("succeeded");
    });

    it("holds a function to its in-flight limit without holding others back", async () => {
      const { queue, work, settled } = await setup();
      const running = new Map<string, number>();
      const peak = new Map<string, number>();
      work(
        async (inv) => {
          const n = (running.get(inv.function) ?? 0) + 1;
          running.set(inv.function, n);
          peak.set(inv.function, Math.max(peak.get(inv.function) ?? 0, n));
          await new Promise((r) => setTimeout(r, 80));
          running.set(inv.function, running.get(inv.function)! - 1);
          return answered(200);
        },
        { maxInFlightPerFunction: 2 },
      );
      const ids: Array<[string, string]> = [];
      for (let i = 0; i < 6; i++) {
        for (const fn of ["slow", "other"]) {
          const { invocation } = await queue.enqueue({
            tenant: "acme",
            function: fn,
            request: request(),
          });
          ids.push([fn, invocation.id]);
        }
      }
      for (const [, id] of ids) await settled("acme", id, "succeeded");
      expect(peak.get("slow")).toBe(2);
      expect(peak.get("other")).toBe(2);
      const slow = await queue.get("acme", ids[0]![1]);
      expect(slow?.attempts).toHaveLength(1);
    });

    it("delivers every one of many invocations (at least once; order not promised)", async () => {
      const { queue, work } = await setup();
      const delivered = new Map<string, number>();
      work(async (inv) => {
        delivered.set(inv.id, (delivered.get(inv.id) ?? 0) + 1);
        return answered(200);
      });
      const ids = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const fn = `f${i % 3}`;
          return (await queue.enqueue({ tenant: "acme", function: fn, request: request() }))
            .invocation.id;
        }),
      );
      const states = await eventually(
        () => Promise.all(ids.map((id) => queue.get("acme", id))),
        (all) => all.every((inv) => inv?.state === "succeeded"),
      );
      expect(states.every((inv) => inv?.state === "succeeded")).toBe(true);
      expect(new Set(delivered.keys())).toEqual(new Set(ids));
      const depth = await eventually(
        () => queue.depth(),
        (d) => d.pending === 0,
      );
      expect(depth.pending).toBe(0);
      const listed = await queue.list({ tenant: "acme", function: "f1", limit: 100 });
      expect(listed).toHaveLength(20);
      expect(await queue.list({ tenant: "nobody", limit: 100 })).toEqual([]);
    });

    it("answers and lists an invocation still queued (no worker yet) with its request", async () => {
      const { queue, work, settled } = await setup();
      const { invocation } = await queue.enqueue({
        tenant: "acme",
        function: "later",
        request: request('{"n":7}'),
      });
      const queued = await queue.get("acme", invocation.id);
      expect(queued?.state).toBe("queued");
      expect(queued?.function).toBe("later");
      expect(Buffer.from(queued!.request.body, "base64").toString()).toBe('{"n":7}');
      expect(await queue.get("other", invocation.id)).toBeUndefined();
      const ids = (inv: Invocation[]) => inv.map((i) => i.id);
      expect(ids(await queue.list({ tenant: "acme", limit: 10 }))).toEqual([invocation.id]);
      expect(ids(await queue.list({ tenant: "acme", function: "later", limit: 10 }))).toEqual([
        invocation.id,
      ]);
      expect(await queue.list({ tenant: "acme", function: "else", limit: 10 })).toEqual([]);
      expect(ids(await queue.list({ tenant: "acme", states: ["queued"], limit: 10 }))).toEqual([
        invocation.id,
      ]);
      expect(await queue.list({ tenant: "acme", states: ["dead"], limit: 10 })).toEqual([]);
      expect(await queue.list({ tenant: "other", limit: 10 })).toEqual([]);
      // Newest first and the limit hold across started and queued invocations.
      await new Promise((r) => setTimeout(r, 5));
      const { invocation: newer } = await queue.enqueue({
        tenant: "acme",
        function: "later",
        request: request(),
      });
      expect(ids(await queue.list({ tenant: "acme", limit: 10 }))).toEqual([
        newer.id,
        invocation.id,
      ]);
      expect(ids(await queue.list({ tenant: "acme", limit: 1 }))).toEqual([newer.id]);
      work(async () => answered(200));
      await settled("acme", invocation.id, "succeeded");
      await settled("acme", newer.id, "succeeded");
      expect(ids(await queue.list({ tenant: "acme", limit: 10 }))).toEqual([
        newer.id,
        invocation.id,
      ]);
    });

    it("removes a queued invocation: gone from reads and lists, never delivered", async () => {
      let store: QueueBackend | undefined;
      const { queue, work, settled } = await setup({ wrap: (b) => (store = b) });
      const enqueue = async () =>
        (await queue.enqueue({ tenant: "acme", function: "f", request: request() })).invocation;
      const gone = await enqueue();
      const kept = await enqueue();
      await store!.remove("acme", [gone.id]);
      expect(await queue.get("acme", gone.id)).toBeUndefined();
      expect((await queue.list({ tenant: "acme", limit: 10 })).map((i) => i.id)).toEqual([kept.id]);
      const seen: string[] = [];
      work(async (inv) => {
        seen.push(inv.id);
        return answered(200);
      });
      await settled("acme", kept.id, "succeeded");
      // Give a wrong delivery of the removed one the chance to show up.
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toEqual([kept.id]);
      expect(await queue.get("acme", gone.id)).toBeUndefined();
    });

    it("counts queued invocations in its depth, with the oldest's time", async () => {
      const { queue } = await setup();
      const before = Date.now();
      for (let i = 0; i < 3; i++)
        await queue.enqueue({ tenant: "acme", function: "idle", request: request() });
      const depth = await queue.depth();
      expect(depth.pending).toBe(3);
      expect(depth.oldestQueuedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    });
  });
}
