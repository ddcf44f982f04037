import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import {
  EventFlowError,
  replicasAfterUpdate,
  resolveScaling,
  type ScaledBy,
} from "@eventflow/protocol";
import type { Endpoint, FunctionSpec, FunctionStatus } from "../driver.js";
import { backoffDelay, type RestartBackoff } from "./backoff.js";
import type { LogBook } from "./log-book.js";
import type { PidFiles } from "./pid-files.js";
import { findFreePort, type PortRange } from "./ports.js";
import { launchReplica, type ReplicaIsolation } from "./replica-launch.js";
import type { ReplicaSecrets } from "./replica-secrets.js";
import type { ReplicaExit, ReplicaProcess } from "./replica-process.js";
import { imageFailure } from "./pull-client.js";
import { createEventRing, type EventRing } from "./event-ring.js";
import { crashedEvent, scaledEvent } from "./supervisor-events.js";
import { buildFunctionStatus, type SlotState } from "./status.js";

/** Where a resolved image's app lives, as stored with the spec. */
export interface ResolvedApp {
  readonly appDir: string;
  readonly manifestDigest: string;
  readonly layerDigest: string;
  readonly env: readonly string[];
}

/** Shared machinery every supervisor uses. */
export interface SupervisorDeps {
  readonly nodePath: string;
  /** The `PATH` replicas run with. */
  readonly replicaPath?: string;
  readonly portRange?: PortRange;
  readonly takenPorts: Set<number>;
  readonly backoff: RestartBackoff;
  readonly readyTimeoutMs: number;
  readonly drainDelayMs: number;
  readonly stopGraceMs: number;
  readonly logs: LogBook;
  readonly pidFiles: PidFiles;
  /** How a tenant's replica of `appDir` is isolated (none: a plain child process). */
  readonly isolate?: (tenant: string, appDir: string) => ReplicaIsolation;
  /** Lays out the secrets a spec names for one replica (called only when it names some). */
  readonly secrets?: (spec: FunctionSpec, replica: string) => Promise<ReplicaSecrets>;
  readonly clock: () => Date;
  readonly log: (
    level: "info" | "warn" | "error",
    obj: Record<string, unknown>,
    msg: string,
  ) => void;
}

interface Slot {
  readonly id: string;
  readonly generation: number;
  state: SlotState | "stopped";
  proc?: ReplicaProcess;
  /** The running process's key (EVENTFLOW_REPLICA_KEY), which the invoke router sends. */
  key?: string;
  crashes: number;
  restartTimer?: NodeJS.Timeout;
  resetTimer?: NodeJS.Timeout;
}

const EMPTY: readonly Endpoint[] = Object.freeze([]);

/**
 * Keeps one function's replicas running: starts `replicas` processes, restarts crashed ones
 * with backoff, rolls updates (new replica ready before an old one is drained), and keeps the
 * ready endpoint list the invoke router reads on every request.
 */
export class FunctionSupervisor extends EventEmitter {
  spec: FunctionSpec;
  app: ResolvedApp | undefined;
  createdAt: string;
  updatedAt: string;
  lastError: FunctionStatus["last_error"];
  imageError = false;
  warm = false;
  lastUsed = 0;
  /** Its recent events (deploys are the revisions' events, added by the driver). */
  readonly events: EventRing;
  private generation = 1;
  private everReady = false;
  private seq = 0;
  private slots: Slot[] = [];
  private ready: readonly Endpoint[] = EMPTY;
  private closed = false;
  /** A request-driven function's count as the autoscaler set it (not stored: `spec.replicas` is the start). */
  private autoscaledReplicas: number | undefined;

  constructor(
    private readonly deps: SupervisorDeps,
    init: {
      spec: FunctionSpec;
      app: ResolvedApp | undefined;
      createdAt: string;
      updatedAt: string;
    },
  ) {
    super();
    this.setMaxListeners(0);
    this.spec = init.spec;
    this.app = init.app;
    this.createdAt = init.createdAt;
    this.updatedAt = init.updatedAt;
    this.events = createEventRing(deps.clock);
  }

  /** Ready endpoints right now (the same array until something changes). */
  endpoints(): readonly Endpoint[] {
    if (this.warm) this.lastUsed = Date.now();
    return this.ready;
  }

  /** Whether the current generation keeps crashing. */
  crashLooping(): boolean {
    return this.slots.some(
      (s) => s.generation === this.generation && s.crashes >= this.deps.backoff.crashLoopThreshold,
    );
  }

  status(): FunctionStatus {
    return buildFunctionStatus({
      // A request-driven function is at the count its autoscaler set (as its Function object
      // says on Kubernetes), down to zero.
      spec: this.requestScaled() ? { ...this.spec, replicas: this.replicaTarget() } : this.spec,
      createdAt: this.createdAt,
      updatedAt: this.updatedAt,
      generation: this.generation,
      slots: this.slots.filter((s) => s.state !== "stopped") as {
        generation: number;
        state: SlotState;
      }[],
      crashLooping: this.crashLooping(),
      imageError: this.imageError,
      resolving: this.app === undefined && !this.imageError,
      warm: this.warm,
      everReady: this.everReady,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    });
  }

  /** Whether the autoscaler sets the replica count (`scaling.metric` concurrency or rps). */
  requestScaled(): boolean {
    return resolveScaling(this.spec).mode === "request";
  }

  /** The replica count the autoscaler asks for right now. */
  replicaTarget(): number {
    // Request-driven: the autoscaler's count (or the spec's before its first decision), always
    // within the spec's bounds, so a spec that raised minReplicas has them at once.
    return this.requestScaled()
      ? replicasAfterUpdate(this.spec, this.autoscaledReplicas ?? this.spec.replicas)
      : this.spec.replicas;
  }

  /** The autoscaler's decision: starts or stops replicas, no rollout, nothing stored. */
  setAutoscaled(
    replicas: number,
    by: ScaledBy = replicas === 0 ? "scale-to-zero" : "autoscaler",
  ): void {
    if (!this.requestScaled() || replicas === this.autoscaledReplicas) return;
    this.recordScale(this.replicaTarget(), replicas, by);
    this.autoscaledReplicas = replicas;
    this.reconcile();
    this.changed();
  }

  private desired(): number {
    if (this.app === undefined || this.closed) return 0;
    if (this.requestScaled()) return this.replicaTarget();
    return this.spec.replicas === 0 && this.warm ? 1 : this.spec.replicas;
  }

  /** Starts or stops replicas of the current generation until their count matches the spec. */
  reconcile(): void {
    const current = this.slots.filter(
      (s) => s.generation === this.generation && s.state !== "stopped" && s.state !== "draining",
    );
    const want = this.desired();
    for (let i = current.length; i < want; i++) {
      const slot: Slot = {
        id: `${this.spec.name}-${this.seq++}`,
        generation: this.generation,
        state: "starting",
        crashes: 0,
      };
      this.slots.push(slot);
      void this.startSlot(slot);
    }
    if (current.length > want) {
      // Scale down the least useful first: backing off, then starting, then the newest ready.
      const rank = (s: Slot) => (s.state === "backoff" ? 0 : s.state === "starting" ? 1 : 2);
      const victims = [...current]
        .sort((a, b) => rank(a) - rank(b))
        .slice(0, current.length - want);
      for (const v of victims) void this.retire(v);
    }
    this.retireOldIfCovered();
  }

  /** Applies a new spec and image: a rolling update when the image or runtime settings changed. */
  update(spec: FunctionSpec, app: ResolvedApp, rollout: boolean): void {
    const before = this.replicaTarget();
    this.spec = spec;
    this.app = app;
    this.imageError = false;
    this.updatedAt = this.deps.clock().toISOString();
    // The autoscaler's count stays across an update, within the new bounds at once (as on
    // Kubernetes): a deploy that raises minReplicas gets its replicas now, not a tick later.
    if (!this.requestScaled()) this.autoscaledReplicas = undefined;
    else this.autoscaledReplicas = this.replicaTarget();
    if (rollout) {
      this.generation++;
      this.everReady = false;
      this.lastError = undefined;
    }
    this.recordScale(before, this.replicaTarget(), "api");
    this.reconcile();
    this.changed();
  }

  /** Changes only the replica count (no rollout); works while the image is unavailable too. */
  scale(replicas: number): void {
    this.recordScale(this.spec.replicas, replicas, "api");
    this.spec = { ...this.spec, replicas };
    // An explicit scale (to zero in particular) also ends a replica started by an invoke.
    this.warm = false;
    this.updatedAt = this.deps.clock().toISOString();
    this.reconcile();
    this.changed();
  }

  /** Whether `shutdown` was called (the function was deleted or the driver closed). */
  isClosed(): boolean {
    return this.closed;
  }

  /** Stops everything (delete or controller shutdown), draining ready replicas first. */
  async shutdown(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.filter((s) => s.state !== "stopped").map((s) => this.retire(s)));
  }

  private recordScale(from: number, to: number, by: ScaledBy): void {
    const event = scaledEvent(from, to, by);
    if (event) this.events.push(event);
  }

  private changed(): void {
    const ready = this.slots.filter((s) => s.state === "ready" && s.proc);
    this.ready =
      ready.length === 0
        ? EMPTY
        : Object.freeze(ready.map((s) => ({ replica: s.id, url: s.proc!.url, key: s.key! })));
    this.emit("changed");
  }

  /** Old-generation replicas are drained one for each ready replica of the new generation. */
  private retireOldIfCovered(): void {
    const old = this.slots.filter(
      (s) => s.generation < this.generation && s.state !== "stopped" && s.state !== "draining",
    );
    if (old.length === 0) return;
    const readyNew = this.slots.filter(
      (s) => s.generation === this.generation && s.state === "ready",
    ).length;
    const want = this.desired();
    // Keep as many old ones as new ones are missing; none when the new set is complete.
    const keep = want === 0 ? 0 : Math.max(0, want - readyNew);
    const rank = (s: Slot) => (s.state === "ready" ? 1 : 0);
    const victims = [...old]
      .sort((a, b) => rank(a) - rank(b))
      .slice(0, Math.max(0, old.length - keep));
    for (const v of victims) void this.retire(v);
  }

  private async startSlot(slot: Slot): Promise<void> {
    const app = this.app;
    if (!app || slot.state === "stopped" || slot.state === "draining") return;
    slot.state = "starting";
    let port: number;
    try {
      port = await findFreePort(this.deps.portRange, this.deps.takenPorts);
    } catch (error) {
      this.deps.log("error", { replica: slot.id, err: String(error) }, "no free port for replica");
      this.events.push({
        type: "failed",
        reason: "NoFreePort",
        message: `no free port for replica ${slot.id}`,
        replica: slot.id,
      });
      this.scheduleRestart(slot, { code: null, signal: null }, "no free port");
      return;
    }
    if (slot.state !== "starting") return;
    this.deps.takenPorts.add(port);
    const spec = this.spec;
    let secrets: ReplicaSecrets | undefined;
    if ((spec.secrets?.length ?? 0) > 0 && this.deps.secrets) {
      try {
        secrets = await this.deps.secrets(spec, slot.id);
      } catch (error) {
        // A secret deleted (or its key removed) since the function was deployed: the replica
        // does not start, and the function says why, until the secret is back.
        this.deps.takenPorts.delete(port);
        const e = error instanceof EventFlowError ? error : undefined;
        this.lastError = {
          code: e?.code ?? "FUNCTION_SECRET_MISSING",
          message: e?.message ?? String(error),
          at: this.deps.clock().toISOString(),
        };
        this.deps.log(
          "error",
          { replica: slot.id, code: this.lastError.code, err: this.lastError.message },
          "cannot start replica: its secrets are not there",
        );
        this.events.push({
          type: "failed",
          reason: "SecretMissing",
          message: this.lastError.message,
          replica: slot.id,
        });
        this.scheduleRestart(slot, { code: null, signal: null }, this.lastError.message);
        return;
      }
      if (slot.state !== "starting") {
        this.deps.takenPorts.delete(port);
        secrets.remove();
        return;
      }
    }
    const key = randomBytes(24).toString("base64url");
    let proc: ReplicaProcess;
    try {
      proc = launchReplica({
        ...(secrets ? { secrets } : {}),
        key,
        spec: this.spec,
        app,
        replica: slot.id,
        port,
        nodePath: this.deps.nodePath,
        ...(this.deps.replicaPath === undefined ? {} : { replicaPath: this.deps.replicaPath }),
        logs: this.deps.logs,
        pidFiles: this.deps.pidFiles,
        ...(this.deps.isolate
          ? { isolation: this.deps.isolate(this.spec.tenant, app.appDir) }
          : {}),
      });
    } catch (error) {
      // Its user's directories could not be prepared (a full disk): retried like a crash.
      this.deps.takenPorts.delete(port);
      secrets?.remove();
      this.deps.log("error", { replica: slot.id, err: String(error) }, "cannot start replica");
      this.events.push({
        type: "failed",
        reason: "StartFailed",
        message: `cannot start replica ${slot.id}: ${String(error)}`,
        replica: slot.id,
      });
      this.scheduleRestart(slot, { code: null, signal: null }, "cannot start replica");
      return;
    }
    slot.proc = proc;
    slot.key = key;
    void proc.exited.then((exit) => {
      secrets?.remove();
      this.onExit(slot, proc, exit);
    });
    try {
      await proc.waitReady(this.deps.readyTimeoutMs);
    } catch {
      if (proc.isRunning() && slot.proc === proc) {
        this.deps.log("warn", { replica: slot.id }, "replica not ready in time; killing it");
        this.events.push({
          type: "failed",
          reason: "ReadinessTimeout",
          message: `replica ${slot.id} not ready in ${this.deps.readyTimeoutMs} ms; killing it`,
          replica: slot.id,
        });
        await proc.stop(0);
      }
      return;
    }
    if (slot.proc !== proc || slot.state !== "starting" || !proc.isRunning()) return;
    slot.state = "ready";
    this.everReady = true;
    slot.resetTimer = setTimeout(() => (slot.crashes = 0), this.deps.backoff.resetAfterMs);
    slot.resetTimer.unref();
    this.deps.log("info", { replica: slot.id, port }, "replica ready");
    this.events.push({
      type: "ready",
      reason: "Ready",
      message: `replica ${slot.id} is ready`,
      replica: slot.id,
    });
    this.changed();
    this.retireOldIfCovered();
  }

  private onExit(slot: Slot, proc: ReplicaProcess, exit: ReplicaExit): void {
    this.deps.takenPorts.delete(proc.port);
    this.deps.pidFiles.remove(this.spec.tenant, slot.id);
    if (slot.proc !== proc) return;
    clearTimeout(slot.resetTimer);
    if (slot.state === "draining" || slot.state === "stopped") return;
    const detail = proc.crashReason();
    this.events.push(
      crashedEvent({
        replica: slot.id,
        exit,
        crashes: slot.crashes + 1,
        loopThreshold: this.deps.backoff.crashLoopThreshold,
        detail,
      }),
    );
    this.scheduleRestart(slot, exit, detail);
  }

  private scheduleRestart(slot: Slot, exit: ReplicaExit, detail: string | undefined): void {
    slot.crashes++;
    slot.state = "backoff";
    const delay = backoffDelay(this.deps.backoff, slot.crashes);
    const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
    this.deps.log(
      "warn",
      { replica: slot.id, exit: how, crashes: slot.crashes, delayMs: delay },
      "replica exited; restarting",
    );
    if (slot.crashes >= this.deps.backoff.crashLoopThreshold) {
      this.lastError = {
        code: "FUNCTION_CRASH_LOOP",
        message: `replica ${slot.id} exited with ${how} (${slot.crashes} times in a row)${detail ? `: ${detail}` : ""}`,
        at: this.deps.clock().toISOString(),
      };
    }
    this.changed();
    slot.restartTimer = setTimeout(() => {
      if (slot.state === "backoff") void this.startSlot(slot);
    }, delay);
    slot.restartTimer.unref();
  }

  /** Takes a replica out of the endpoints, waits for routed requests to land, then stops it. */
  private async retire(slot: Slot): Promise<void> {
    if (slot.state === "draining" || slot.state === "stopped") return;
    const wasReady = slot.state === "ready";
    slot.state = "draining";
    clearTimeout(slot.restartTimer);
    clearTimeout(slot.resetTimer);
    this.changed();
    if (wasReady && this.deps.drainDelayMs > 0) await sleep(this.deps.drainDelayMs);
    if (slot.proc) await slot.proc.stop(this.deps.stopGraceMs);
    slot.state = "stopped";
    this.slots = this.slots.filter((s) => s !== slot);
    this.changed();
  }

  /**
   * Resolves with a ready endpoint, starting one replica if the function is scaled to zero.
   * Rejects with FUNCTION_CRASH_LOOP when replicas keep crashing, FUNCTION_NOT_READY on timeout.
   */
  async waitForEndpoint(timeoutMs: number): Promise<Endpoint> {
    const first = this.endpoints()[0];
    if (first) return first;
    if (this.requestScaled()) {
      // Scale from zero: one replica at once; the autoscaler adds more on the load it sees.
      if (this.desired() === 0) this.setAutoscaled(1, "scale-from-zero");
    } else if (this.spec.replicas === 0 && !this.warm) {
      this.recordScale(0, 1, "scale-from-zero");
      this.warm = true;
      this.lastUsed = Date.now();
      this.reconcile();
      this.changed();
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ep = this.ready[0];
      if (ep) return ep;
      if (this.imageError && this.lastError) throw imageFailure(this.lastError);
      if (this.crashLooping())
        throw new EventFlowError(
          "FUNCTION_CRASH_LOOP",
          this.lastError?.message ?? `${this.spec.name} is crash looping`,
        );
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) {
        throw new EventFlowError(
          "FUNCTION_NOT_READY",
          `${this.spec.name} has no ready replica after ${timeoutMs} ms`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.once("changed", done);
      });
    }
  }

  /** Stops the replica started for invokes of a scaled-to-zero function once it is idle. */
  idleCheck(idleMs: number): void {
    if (this.warm && Date.now() - this.lastUsed > idleMs) {
      this.recordScale(1, 0, "scale-to-zero");
      this.warm = false;
      this.reconcile();
      this.changed();
    }
  }
}
