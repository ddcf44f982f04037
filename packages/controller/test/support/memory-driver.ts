/**
 * TEST DOUBLE: an in-memory Driver for pure API-shape tests (validation, auth, tenancy,
 * envelopes), where starting real replica processes would add nothing but time. It runs
 * nothing: functions are records, every replica is "ready" at once, logs are what a test
 * appends. Happy paths also run against the real local driver (test/api/local-driver.test.ts).
 */
import { EventFlowError } from "@eventflow/protocol";
import type {
  Driver,
  Endpoint,
  FunctionSpec,
  FunctionStatus,
  LogLine,
  LogQuery,
  RevisionStore,
  SecretMeta,
  SecretStore,
  StoredRevision,
} from "../../src/drivers/driver.js";

/** The double plus helpers tests use to steer it. */
export interface MemoryDriver extends Driver {
  /** Appends a log line to a function's history (and to followers). */
  appendLog(tenant: string, name: string, line: Omit<LogLine, "id">): LogLine;
  /** Log lines handed out by every `logs()` iterator so far (to observe backpressure). */
  readonly yielded: { count: number };
  /** Log streams currently following a function (0 once clients went away). */
  followerCount(tenant: string, name: string): number;
  /** Number of calls per method, to assert that rejected requests never reached the driver. */
  readonly calls: Record<string, number>;
}

const key = (tenant: string, name: string) => `${tenant}/${name}`;

/** Creates the test double. */
export function createMemoryDriver(now: () => Date = () => new Date()): MemoryDriver {
  const functions = new Map<string, FunctionStatus>();
  const logs = new Map<string, LogLine[]>();
  const followers = new Map<string, Set<(line: LogLine) => void>>();
  const calls: Record<string, number> = {};
  const yielded = { count: 0 };
  let nextLogId = 1;
  const count = (method: string) => (calls[method] = (calls[method] ?? 0) + 1);

  function status(spec: FunctionSpec, created?: FunctionStatus): FunctionStatus {
    const at = now().toISOString();
    return {
      name: spec.name,
      tenant: spec.tenant,
      image: spec.image,
      replicas: spec.replicas,
      available_replicas: spec.replicas,
      ready_replicas: spec.replicas,
      updated_replicas: spec.replicas,
      status: spec.replicas === 0 ? "ScaledToZero" : "Running",
      created_at: created?.created_at ?? at,
      updated_at: at,
      spec,
    };
  }

  function find(tenant: string, name: string): FunctionStatus {
    const found = functions.get(key(tenant, name));
    if (found === undefined)
      throw new EventFlowError("FUNCTION_NOT_FOUND", `function ${name} not found`);
    return found;
  }

  const secretMetas = new Map<string, SecretMeta>();
  const secrets: SecretStore = {
    async put(tenant, name, data, mode) {
      count("secrets.put");
      const before = secretMetas.get(key(tenant, name));
      if (mode === "create" && before)
        throw new EventFlowError("SECRET_ALREADY_EXISTS", `secret ${name} already exists`);
      if (mode === "replace" && !before)
        throw new EventFlowError("SECRET_NOT_FOUND", `secret ${name} not found`);
      const at = now().toISOString();
      // Key names only: a test double has no business keeping values either.
      const meta: SecretMeta = {
        tenant,
        name,
        keys: Object.keys(data).sort(),
        version: String(Date.now()),
        createdAt: before?.createdAt ?? at,
        updatedAt: at,
      };
      secretMetas.set(key(tenant, name), meta);
      return meta;
    },
    async get(tenant, name) {
      const meta = secretMetas.get(key(tenant, name));
      if (!meta) throw new EventFlowError("SECRET_NOT_FOUND", `secret ${name} not found`);
      return meta;
    },
    async list(tenant) {
      return [...secretMetas.values()].filter((m) => tenant === undefined || m.tenant === tenant);
    },
    async delete(tenant, name) {
      if (!secretMetas.delete(key(tenant, name)))
        throw new EventFlowError("SECRET_NOT_FOUND", `secret ${name} not found`);
    },
  };

  const revisionRows = new Map<string, StoredRevision[]>();
  const revisions: RevisionStore = {
    list: async (tenant, name) =>
      [...(revisionRows.get(key(tenant, name)) ?? [])].sort((a, b) => b.number - a.number),
    async add(revision) {
      const rows = revisionRows.get(key(revision.tenant, revision.function)) ?? [];
      if (rows.some((r) => r.number === revision.number)) return false;
      revisionRows.set(key(revision.tenant, revision.function), [...rows, revision]);
      return true;
    },
    async remove(tenant, name, numbers) {
      const rows = revisionRows.get(key(tenant, name)) ?? [];
      revisionRows.set(
        key(tenant, name),
        rows.filter((r) => !numbers.includes(r.number)),
      );
    },
    digest: () => undefined,
  };

  return {
    name: "local",
    calls,
    yielded,
    secrets,
    revisions,
    async start() {},
    async close() {},
    async create(spec) {
      count("create");
      if (functions.has(key(spec.tenant, spec.name))) {
        throw new EventFlowError("FUNCTION_ALREADY_EXISTS", `function ${spec.name} exists`);
      }
      const s = status(spec);
      functions.set(key(spec.tenant, spec.name), s);
      return { ...s, status: "Deploying" };
    },
    async update(spec) {
      count("update");
      const s = status(spec, find(spec.tenant, spec.name));
      functions.set(key(spec.tenant, spec.name), s);
      return s;
    },
    async delete(tenant, name) {
      count("delete");
      find(tenant, name);
      functions.delete(key(tenant, name));
      revisionRows.delete(key(tenant, name));
    },
    async scale(tenant, name, replicas) {
      count("scale");
      const old = find(tenant, name);
      const s = status({ ...old.spec, replicas }, old);
      functions.set(key(tenant, name), s);
      return s;
    },
    async get(tenant, name) {
      count("get");
      return find(tenant, name);
    },
    invokeInfo(tenant, name) {
      count("invokeInfo");
      return functions.get(key(tenant, name));
    },
    async list(tenant) {
      count("list");
      return [...functions.values()].filter((f) => tenant === undefined || f.tenant === tenant);
    },
    endpoints(): readonly Endpoint[] {
      return [];
    },
    async waitForEndpoint() {
      throw new EventFlowError("FUNCTION_NOT_READY", "the test double runs no replicas");
    },
    async events(tenant, name) {
      count("events");
      find(tenant, name);
      return [];
    },
    autoscaled() {
      return [];
    },
    async setReplicas(tenant, name, replicas) {
      await this.scale(tenant, name, replicas);
    },
    followerCount(tenant, name) {
      return followers.get(key(tenant, name))?.size ?? 0;
    },
    appendLog(tenant, name, line) {
      const full: LogLine = { ...line, id: String(nextLogId++) };
      const k = key(tenant, name);
      let list = logs.get(k);
      if (list === undefined) logs.set(k, (list = []));
      list.push(full);
      for (const follower of followers.get(k) ?? []) follower(full);
      return full;
    },
    logs(tenant, name, query: LogQuery): AsyncIterable<LogLine> {
      count("logs");
      const k = key(tenant, name);
      return (async function* () {
        find(tenant, name);
        let history = logs.get(k) ?? [];
        if (query.afterId !== undefined)
          history = history.filter((l) => Number(l.id) > Number(query.afterId));
        if (query.since !== undefined)
          history = history.filter((l) => new Date(l.timestamp) >= query.since!);
        if (query.tail !== undefined) history = query.tail === 0 ? [] : history.slice(-query.tail);
        for (const line of history) {
          yielded.count += 1;
          yield line;
        }
        if (query.follow !== true) return;
        const queue: LogLine[] = [];
        let wake: (() => void) | undefined;
        const push = (line: LogLine) => {
          queue.push(line);
          wake?.();
        };
        let set = followers.get(k);
        if (set === undefined) followers.set(k, (set = new Set()));
        set.add(push);
        const aborted = new Promise<void>((resolve) =>
          query.signal?.addEventListener("abort", () => resolve()),
        );
        try {
          while (query.signal?.aborted !== true) {
            while (queue.length > 0) {
              yielded.count += 1;
              yield queue.shift()!;
            }
            await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
          }
        } finally {
          set.delete(push);
        }
      })();
    },
  };
}
