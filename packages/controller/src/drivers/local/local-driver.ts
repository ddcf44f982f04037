import { existsSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  EventFlowError,
  isEventFlowError,
  mergeFunctionEvents,
  resolveScaling,
} from "@eventflow/protocol";
import { DEFAULT_FUNCTION_SPEC_LIMITS } from "@eventflow/protocol/function-spec";
import type {
  AutoscaledFunction,
  Driver,
  Endpoint,
  FunctionSpec,
  FunctionStatus,
  LogLine,
  LogQuery,
  RevisionStore,
} from "../driver.js";
import { buildStoredSpecSchema } from "../../schemas/functions.js";
import { toRevisionEvents } from "../revision-events.js";
import { checkSecretRefs } from "../secret-refs.js";
import {
  createSqliteStore,
  isValidRow,
  scheduleBackups,
  type InvalidStoredFunction,
  type Store,
} from "./store/index.js";
import { APP_ENTRY } from "./app-cache.js";
import { createAppResolver } from "./app-resolver.js";
import { DEFAULT_RESTART_BACKOFF, type RestartBackoff } from "./backoff.js";
import { FunctionSupervisor, type ResolvedApp } from "./function-supervisor.js";
import { acquireDataDirLock, releaseDataDirLock } from "./data-dir-lock.js";
import { createLogBook, type LogBook } from "./log-book.js";
import { createPidFiles } from "./pid-files.js";
import { createPullSessions, isCredentialErrorCode, isRetryablePullError } from "./pull-client.js";
import { DEFAULT_PULL_RETRY, createPullRetries } from "./pull-retry.js";
import { checkStoredRow, earlierState, storedApp } from "./stored-state.js";
import { resolveSandbox, SETPRIV } from "./sandbox.js";
import type { ReplicaIsolation } from "./replica-launch.js";
import { createReplicaUsers, type ReplicaUsers, type UidRange } from "./replica-users.js";
import type { LocalDriverOptions } from "./local-driver-options.js";
import {
  assertReachable,
  createReplicaDirs,
  secureDataDir,
  type ReplicaDirs,
} from "./replica-dirs.js";
import { createSecretDelivery, usersOfSecret } from "./replica-secrets.js";
import { createLocalSecrets } from "./secret-store.js";

export type { LocalDriverOptions } from "./local-driver-options.js";

const key = (tenant: string, name: string) => `${tenant}/${name}`;
const EMPTY: readonly Endpoint[] = Object.freeze([]);

/**
 * The local driver: EventFlow-built images run as supervised child processes on this machine.
 * A development driver; with `sandbox: "bwrap"` each replica runs in bubblewrap namespaces (see docs/local-driver.md).
 */
export function createLocalDriver(options: LocalDriverOptions): Driver {
  const clock = options.clock ?? (() => new Date());
  const backoff: RestartBackoff = { ...DEFAULT_RESTART_BACKOFF, ...options.restartBackoff };
  const cacheDir = join(options.dataDir, "cache", "apps");
  const pidFiles = createPidFiles(join(options.dataDir, "run"));
  const sups = new Map<string, FunctionSupervisor>();
  const creating = new Set<string>();
  const takenPorts = new Set<number>();
  const logger = options.logger;
  let store: Store | undefined;
  let logs: LogBook | undefined;
  let idleTimer: NodeJS.Timeout | undefined;
  let stopBackups: (() => void) | undefined;
  let sandbox: "bwrap" | "none" = "none";
  const nodePath = options.nodePath ?? process.execPath;
  const dropUser = process.getuid?.() === 0 && options.replicaUids !== undefined;
  let users: ReplicaUsers | undefined;
  let replicaDirs: ReplicaDirs | undefined;
  const isolate = (tenant: string, appDir: string): ReplicaIsolation => {
    if (!users) return { sandbox };
    const user = users.userFor(tenant);
    if (!replicaDirs) return { sandbox, user };
    return { sandbox, user, ...replicaDirs.prepare(user, appDir) };
  };
  const storedSpecSchema = buildStoredSpecSchema({
    maxReplicas: options.maxReplicas ?? DEFAULT_FUNCTION_SPEC_LIMITS.maxReplicas,
  });
  let retries: ReturnType<typeof createPullRetries> | undefined;
  const resolveApp = createAppResolver({
    cacheDir,
    openSession: createPullSessions(options.registry),
  });
  const idleMs = options.scaleToZeroAfterMs ?? 300_000;
  const secrets = createLocalSecrets({
    store: () => need(store),
    keyFile: options.secretKeyFile ?? join(options.dataDir, "secret.key"),
    clock,
    // A secret was created or replaced: the functions naming it roll to the new values.
    changed(tenant, name) {
      for (const sup of usersOfSecret(sups.values(), tenant, name)) {
        if (sup.isClosed() || sup.app === undefined) continue;
        sup.update(sup.spec, sup.app, true);
        log("info", { function: sup.spec.name, tenant, secret: name }, "rolling: secret changed");
      }
    },
  });
  const delivery = createSecretDelivery({
    dataDir: options.dataDir,
    secrets,
    userOf: (tenant) => users?.userFor(tenant),
    userSecretsDir: (user) => replicaDirs?.secretsDir(user),
  });

  const log = (level: "info" | "warn" | "error", obj: Record<string, unknown>, msg: string) =>
    logger?.[level](obj, msg);

  function need<T>(value: T | undefined): T {
    if (value === undefined)
      throw new EventFlowError("DRIVER_UNAVAILABLE", "the local driver is not started");
    return value;
  }

  function supervisor(tenant: string, name: string): FunctionSupervisor {
    const sup = sups.get(key(tenant, name));
    if (!sup) throw new EventFlowError("FUNCTION_NOT_FOUND", `function ${name} not found`);
    return sup;
  }

  function newSupervisor(
    spec: FunctionSpec,
    app: ResolvedApp | undefined,
    createdAt: string,
    updatedAt: string,
  ) {
    return new FunctionSupervisor(
      {
        nodePath,
        ...(options.replicaPath === undefined ? {} : { replicaPath: options.replicaPath }),
        ...(options.portRange ? { portRange: options.portRange } : {}),
        takenPorts,
        backoff,
        readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
        drainDelayMs: options.drainDelayMs ?? 200,
        stopGraceMs: options.stopGraceMs ?? 10_000,
        logs: need(logs),
        pidFiles,
        isolate,
        secrets: delivery.prepare,
        clock,
        log,
      },
      { spec, app, createdAt, updatedAt },
    );
  }

  /**
   * Stores the function as it is, or as `next` makes it: an update or a scale is stored before
   * it is applied, so a write the store refuses (LOCAL_STORE_FAILED) changes nothing.
   */
  function persist(
    sup: FunctionSupervisor,
    next?: { spec: FunctionSpec; app: ResolvedApp | undefined },
  ): void {
    need(store).putFunction({
      tenant: sup.spec.tenant,
      name: sup.spec.name,
      spec: next?.spec ?? sup.spec,
      resolved: (next ? next.app : sup.app) ?? null,
      createdAt: sup.createdAt,
      updatedAt: next ? clock().toISOString() : sup.updatedAt,
    });
  }

  /** The function stays, with no replica, Failed with the pull's error until an update. */
  function failImage(sup: FunctionSupervisor, error: unknown, msg: string): void {
    const e = isEventFlowError(error)
      ? error
      : new EventFlowError("FUNCTION_IMAGE_NOT_FOUND", String(error));
    sup.imageError = true;
    sup.lastError = { code: e.code, message: e.message, at: clock().toISOString() };
    sup.events.push({
      type: "failed",
      reason: "ImagePullFailed",
      message: `${e.code}: ${e.message}`,
    });
    log("error", { function: sup.spec.name, tenant: sup.spec.tenant, code: e.code }, msg);
    if (isRetryablePullError(error)) retries?.schedule(sup);
  }

  function pullRetries() {
    return createPullRetries({
      delays: { ...DEFAULT_PULL_RETRY, ...options.pullRetry },
      resolveApp,
      isCurrent: (sup) =>
        sup.imageError && !sup.isClosed() && sups.get(key(sup.spec.tenant, sup.spec.name)) === sup,
      apply(sup, app) {
        sup.update(sup.spec, app, true);
        persist(sup);
        log("info", { function: sup.spec.name, tenant: sup.spec.tenant }, "function image pulled");
      },
      fail: (sup, error) => failImage(sup, error, "cannot pull function image"),
    });
  }

  /**
   * A function whose stored row is unusable: listed, Failed with FUNCTION_STATE_INVALID, never
   * started; a PUT replaces it and a DELETE removes it. Its row stays as it is until then.
   */
  function invalidSupervisor(fn: InvalidStoredFunction): FunctionSupervisor {
    const raw = (typeof fn.rawSpec === "object" && fn.rawSpec !== null ? fn.rawSpec : {}) as {
      image?: unknown;
    };
    const spec: FunctionSpec = {
      tenant: fn.tenant,
      name: fn.name,
      image: typeof raw.image === "string" ? raw.image : "",
      replicas: 0,
    };
    const sup = newSupervisor(spec, undefined, fn.createdAt, fn.updatedAt);
    sup.imageError = true;
    sup.lastError = {
      code: "FUNCTION_STATE_INVALID",
      message: fn.invalid,
      at: clock().toISOString(),
    };
    log(
      "error",
      { function: fn.name, tenant: fn.tenant, code: "FUNCTION_STATE_INVALID" },
      fn.invalid,
    );
    return sup;
  }

  /** Restores one stored function; re-resolves its image if the cache was wiped. */
  async function restore(sup: FunctionSupervisor, stored: ResolvedApp | undefined): Promise<void> {
    if (stored && existsSync(join(stored.appDir, APP_ENTRY))) {
      sup.app = stored;
    } else {
      try {
        sup.app = await resolveApp(sup.spec.image);
        persist(sup);
      } catch (error) {
        failImage(sup, error, "cannot restore function");
        return;
      }
    }
    sup.reconcile();
  }

  const revisions: RevisionStore = {
    list: async (tenant, name) => need(store).listRevisions(tenant, name),
    add: async (revision) => need(store).addRevision(revision),
    remove: async (tenant, name, numbers) => need(store).deleteRevisions(tenant, name, numbers),
    digest: (tenant, name) => sups.get(key(tenant, name))?.app?.manifestDigest,
  };

  const driver: Driver = {
    name: "local",
    secrets,
    revisions,
    async start() {
      sandbox = resolveSandbox(options.sandbox ?? "none");
      if (dropUser) checkReplicaUsers(sandbox, nodePath, options.dataDir, options.replicaUids!);
      acquireDataDirLock(options.dataDir);
      try {
        store = createSqliteStore(join(options.dataDir, "eventflow.db"), {
          refuseFresh: () =>
            options.allowEmptyStore ? undefined : earlierState(options.dataDir, cacheDir),
        });
      } catch (error) {
        // A refused database leaves the data dir to the operator (a restore, or a new start).
        releaseDataDirLock(options.dataDir);
        throw error;
      }
      secureDataDir(options.dataDir, { traversable: dropUser && sandbox === "none" });
      if (dropUser) {
        users = createReplicaUsers(
          join(options.dataDir, "replica-users.json"),
          options.replicaUids!,
        );
        if (sandbox === "none") replicaDirs = createReplicaDirs(options.dataDir);
      }
      retries = pullRetries();
      logs = createLogBook({
        store,
        maxLinesPerFunction: options.maxLogLinesPerFunction ?? 10_000,
        flushIntervalMs: 50,
        clock,
        linesPerSecond: options.logLinesPerSecond ?? 0,
        ...(options.logRecorder ? { recorder: options.logRecorder } : {}),
        log,
      });
      log(
        "info",
        { sandbox, replicaUsers: dropUser ? "per tenant" : "controller's" },
        "local driver replica isolation",
      );
      const reaped = await pidFiles.reapStale(options.stopGraceMs ?? 10_000);
      if (reaped > 0)
        log("warn", { reaped }, "stopped replicas left behind by a previous controller");
      delivery.removeStale();
      const restored: Promise<void>[] = [];
      for (const row of store.listFunctions()) {
        const fn = checkStoredRow(row, storedSpecSchema, store.path);
        if (isValidRow(fn)) {
          const sup = newSupervisor(fn.spec, undefined, fn.createdAt, fn.updatedAt);
          sups.set(key(fn.tenant, fn.name), sup);
          restored.push(restore(sup, storedApp(fn.resolved, cacheDir)));
        } else {
          sups.set(key(fn.tenant, fn.name), invalidSupervisor(fn));
        }
      }
      stopBackups = scheduleBackups({
        store: () => store,
        dir: join(options.dataDir, "backup"),
        intervalMs: options.backup?.intervalMs ?? 3_600_000,
        firstAfterMs: options.backup?.firstAfterMs ?? 60_000,
        keep: options.backup?.keep ?? 5,
        clock,
        log,
        ...(options.storeRecorder
          ? { record: options.storeRecorder.backup.bind(options.storeRecorder) }
          : {}),
      });
      await Promise.all(restored);
      idleTimer = setInterval(
        () => sups.forEach((s) => s.idleCheck(idleMs)),
        Math.min(idleMs, 5_000),
      );
      idleTimer.unref();
    },
    async close() {
      clearInterval(idleTimer);
      stopBackups?.();
      retries?.close();
      await Promise.all([...sups.values()].map((s) => s.shutdown()));
      sups.clear();
      logs?.close();
      store?.close();
      store = undefined;
      releaseDataDirLock(options.dataDir);
    },
    async create(spec) {
      need(store);
      await checkSecretRefs(secrets, spec);
      const k = key(spec.tenant, spec.name);
      if (sups.has(k) || creating.has(k)) {
        throw new EventFlowError("FUNCTION_ALREADY_EXISTS", `function ${spec.name} already exists`);
      }
      need(store);
      creating.add(k);
      try {
        // A registry refusing the controller's credentials leaves the function Failed with
        // that code (like a cluster's image pull error): deployed, visible, no process.
        let app: ResolvedApp | undefined;
        let pullError: unknown;
        try {
          app = await resolveApp(spec.image);
        } catch (error) {
          if (!isEventFlowError(error) || !isCredentialErrorCode(error.code)) throw error;
          pullError = error;
        }
        const now = clock().toISOString();
        const sup = newSupervisor(spec, app, now, now);
        if (pullError !== undefined) failImage(sup, pullError, "cannot pull function image");
        persist(sup);
        need(logs).revive(spec.tenant, spec.name);
        sups.set(k, sup);
        sup.reconcile();
        return sup.status();
      } finally {
        creating.delete(k);
      }
    },
    async update(spec) {
      need(store);
      await checkSecretRefs(secrets, spec);
      const sup = supervisor(spec.tenant, spec.name);
      const app = await resolveApp(spec.image);
      // What the processes do not see: no restart when only these change.
      const {
        replicas: _r,
        scaling: _s,
        traffic: _t,
        rollout: _o,
        revisionHistoryLimit: _h,
        ...before
      } = sup.spec;
      const {
        replicas: _r2,
        scaling: _s2,
        traffic: _t2,
        rollout: _o2,
        revisionHistoryLimit: _h2,
        ...after
      } = spec;
      const rollout =
        app.layerDigest !== sup.app?.layerDigest ||
        JSON.stringify(before) !== JSON.stringify(after) ||
        sup.imageError;
      // The function may have been deleted while its image was being resolved.
      if (sup.isClosed() || sups.get(key(spec.tenant, spec.name)) !== sup) {
        throw new EventFlowError("FUNCTION_NOT_FOUND", `function ${spec.name} not found`);
      }
      persist(sup, { spec, app });
      sup.update(spec, app, rollout);
      return sup.status();
    },
    async delete(tenant, name) {
      const sup = supervisor(tenant, name);
      // The row goes first: a delete the store refuses leaves the function running as it was.
      need(store).deleteFunction(tenant, name);
      sups.delete(key(tenant, name));
      await sup.shutdown();
      need(logs).drop(tenant, name);
    },
    async scale(tenant, name, replicas) {
      const sup = supervisor(tenant, name);
      persist(sup, { spec: { ...sup.spec, replicas }, app: sup.app });
      sup.scale(replicas);
      return sup.status();
    },
    async get(tenant, name) {
      return supervisor(tenant, name).status();
    },
    invokeInfo(tenant, name) {
      const sup = sups.get(key(tenant, name));
      return sup === undefined ? undefined : { spec: sup.spec, created_at: sup.createdAt };
    },
    async list(tenant) {
      const out: FunctionStatus[] = [];
      for (const sup of sups.values())
        if (tenant === undefined || sup.spec.tenant === tenant) out.push(sup.status());
      return out.sort((a, b) =>
        a.tenant === b.tenant ? a.name.localeCompare(b.name) : a.tenant.localeCompare(b.tenant),
      );
    },
    endpoints(tenant, name) {
      return sups.get(key(tenant, name))?.endpoints() ?? EMPTY;
    },
    waitForEndpoint(tenant, name, timeoutMs) {
      try {
        return supervisor(tenant, name).waitForEndpoint(timeoutMs);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    logs(tenant, name, query: LogQuery): AsyncIterable<LogLine> {
      supervisor(tenant, name);
      return need(logs).read(tenant, name, query);
    },
    async events(tenant, name) {
      const sup = supervisor(tenant, name);
      const deploys = toRevisionEvents(need(store).listRevisions(tenant, name));
      return mergeFunctionEvents([sup.events.list(), deploys]);
    },
    autoscaled() {
      const out: AutoscaledFunction[] = [];
      for (const sup of sups.values()) {
        const scaling = resolveScaling(sup.spec);
        if (scaling.mode !== "request" || sup.isClosed()) continue;
        const { tenant, name } = sup.spec;
        out.push({
          tenant,
          name,
          scaling,
          replicas: sup.replicaTarget(),
          endpoints: sup.endpoints(),
        });
      }
      return out;
    },
    async setReplicas(tenant, name, replicas) {
      supervisor(tenant, name).setAutoscaled(replicas);
    },
  };
  return driver;
}

/**
 * Before anything is written: replicas that drop to per-tenant users need setpriv and, without
 * bwrap to mount them, must reach the Node binary and the data directory (for their app views
 * and tmp); a checkout under /root would otherwise leave every function crashing at start.
 */
function checkReplicaUsers(
  sandbox: "bwrap" | "none",
  nodePath: string,
  dataDir: string,
  range: UidRange,
): void {
  if (!existsSync(SETPRIV)) {
    throw new EventFlowError(
      "LOCAL_REPLICA_USER_UNUSABLE",
      `replicas run as per-tenant users because the controller runs as root, which needs ${SETPRIV} (Debian's util-linux)`,
      { details: { path: SETPRIV } },
    );
  }
  if (sandbox === "bwrap") return;
  const probe = { uid: range.first, gid: range.first };
  assertReachable(nodePath, probe, "the Node binary");
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  assertReachable(dirname(resolve(dataDir)), probe, "the parent of the data directory");
}
