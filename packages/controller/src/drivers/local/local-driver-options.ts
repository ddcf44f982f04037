import type { RegistryClientOptions } from "@eventflow/registry";
import type { DriverLogger, LogRecorder, StoreRecorder } from "../driver.js";
import type { RestartBackoff } from "./backoff.js";
import type { PortRange } from "./ports.js";
import type { PullRetryDelays } from "./pull-retry.js";
import type { UidRange } from "./replica-users.js";
import type { SandboxMode } from "./sandbox.js";

/** Options of {@link createLocalDriver}. */
export interface LocalDriverOptions {
  /** Holds the store (`eventflow.db`), the app cache and replica pid files. */
  readonly dataDir: string;
  readonly logger?: DriverLogger;
  /** The Node binary replicas run on (default: the controller's own). */
  readonly nodePath?: string;
  /** The `PATH` replicas run with (the controller passes its own, from its config; default none). */
  readonly replicaPath?: string;
  readonly portRange?: PortRange;
  readonly restartBackoff?: Partial<RestartBackoff>;
  readonly clock?: () => Date;
  /** How long a replica may take to answer its readiness probe (default 30 s). */
  readonly readyTimeoutMs?: number;
  /** Pause between leaving the endpoints and SIGTERM, for requests already routed (default 200 ms). */
  readonly drainDelayMs?: number;
  /** SIGTERM to SIGKILL (default 10 s). */
  readonly stopGraceMs?: number;
  /** A replica started for an invoke of a scaled-to-zero function stops after this idle time (default 5 min). */
  readonly scaleToZeroAfterMs?: number;
  /** Log lines kept per function (default 10,000). */
  readonly maxLogLinesPerFunction?: number;
  /** Log lines per second each function may have stored, the excess dropped (default 0: no limit). */
  readonly logLinesPerSecond?: number;
  /** Counts log write errors and dropped lines (the controller's metrics). */
  readonly logRecorder?: LogRecorder;
  /** Counts database backups written and failed (the controller's metrics). */
  readonly storeRecorder?: StoreRecorder;
  /**
   * How images are pulled from registries (loopback registries use plain HTTP by default).
   * Each pull uses a fresh client, so a credential source is asked again on every pull.
   */
  readonly registry?: RegistryClientOptions;
  /** Backoff of pulls retried for functions Failed on a registry refusal (default 10 s to 5 min). */
  readonly pullRetry?: Partial<PullRetryDelays>;
  /**
   * How replicas are confined (default `none`; the controller passes EVENTFLOW_LOCAL_SANDBOX):
   * `bwrap` runs each under bubblewrap namespaces, as a per-tenant user when the controller is
   * root; `auto` does so when bwrap works here. See docs/local-driver.md.
   */
  readonly sandbox?: SandboxMode;
  /**
   * When the controller runs as root, each tenant's replicas run as its own unprivileged user,
   * a uid (and gid) from this range kept in `<dataDir>/replica-users.json`; absent: as the
   * controller's user. The controller passes EVENTFLOW_LOCAL_UID_BASE/COUNT.
   */
  readonly replicaUids?: UidRange;
  /** The API's replica limit, which stored specs are held to on restore (default 20). */
  readonly maxReplicas?: number;
  /**
   * The key file sealing secret values at rest (default `<dataDir>/secret.key`; the controller
   * passes EVENTFLOW_LOCAL_SECRET_KEY_FILE). Made with the first secret; back it up apart from
   * the database: without it, stored secrets cannot be opened.
   */
  readonly secretKeyFile?: string;
  /** Start on a new or emptied database although the data dir shows earlier state. */
  readonly allowEmptyStore?: boolean;
  /**
   * Rolling backups of the database into `<dataDir>/backup` (default: every hour, the first a
   * minute after start, newest 5 kept; `intervalMs: 0` turns them off).
   */
  readonly backup?: {
    readonly intervalMs?: number;
    readonly keep?: number;
    readonly firstAfterMs?: number;
  };
}
