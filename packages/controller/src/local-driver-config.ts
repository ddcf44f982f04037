/**
 * The local driver's settings: its variables (spread into the controller's one env schema) and
 * the sections of the frozen config built from them, how replicas are confined and how the
 * driver's database starts and is backed up.
 */
import { z } from "zod";
import { bool, nonEmpty, positiveInt } from "./env-schema.js";

/** The variables (validated with the rest of the controller's environment). */
export const LOCAL_DRIVER_ENV = {
  PATH: nonEmpty.optional(),
  EVENTFLOW_ALLOW_EMPTY_STORE: bool.default(false),
  EVENTFLOW_LOCAL_SECRET_KEY_FILE: nonEmpty.optional(),
  EVENTFLOW_LOCAL_SANDBOX: z.enum(["auto", "bwrap", "none"]).default("auto"),
  EVENTFLOW_LOCAL_UID_BASE: z.coerce.number().int().min(1000).max(4_000_000_000).default(200_000),
  EVENTFLOW_LOCAL_UID_COUNT: z.coerce.number().int().min(1).max(1_000_000).default(65_536),
  EVENTFLOW_BACKUP_INTERVAL_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(3600),
  EVENTFLOW_BACKUP_KEEP: positiveInt(1000).default(5),
};

type LocalDriverEnv = z.output<z.ZodObject<typeof LOCAL_DRIVER_ENV>>;

/**
 * How the local driver confines replicas (`EVENTFLOW_LOCAL_SANDBOX`): bubblewrap namespaces
 * (`bwrap`, or `auto` when it works here) or plain processes (`none`); and the first uid of the
 * per-tenant users replicas run as when the controller is root: uids from
 * `EVENTFLOW_LOCAL_UID_BASE`, `EVENTFLOW_LOCAL_UID_COUNT` of them.
 */
export interface LocalSandboxConfig {
  readonly mode: "auto" | "bwrap" | "none";
  readonly uidBase: number;
  readonly uidCount: number;
  /** The controller's own `PATH`, the one environment value its replicas inherit. */
  readonly replicaPath?: string;
}

/** The local driver's database: what it may start on, and its rolling backups. */
export interface LocalStoreConfig {
  /** Start on a new or emptied database although the data dir shows earlier state. */
  readonly allowEmpty: boolean;
  /** Seconds between backups into `<dataDir>/backup` (0: none). */
  readonly backupIntervalSeconds: number;
  readonly backupKeep: number;
  /** The key file sealing secret values (`EVENTFLOW_LOCAL_SECRET_KEY_FILE`; default in the data dir). */
  readonly secretKeyFile?: string;
}

/** The local sandbox section of the config from the parsed variables. */
export function parseLocalSandbox(e: LocalDriverEnv): LocalSandboxConfig {
  return {
    mode: e.EVENTFLOW_LOCAL_SANDBOX,
    uidBase: e.EVENTFLOW_LOCAL_UID_BASE,
    uidCount: e.EVENTFLOW_LOCAL_UID_COUNT,
    ...(e.PATH === undefined ? {} : { replicaPath: e.PATH }),
  };
}

/** The local store section of the config from the parsed variables. */
export function parseLocalStore(e: LocalDriverEnv): LocalStoreConfig {
  return {
    allowEmpty: e.EVENTFLOW_ALLOW_EMPTY_STORE,
    ...(e.EVENTFLOW_LOCAL_SECRET_KEY_FILE === undefined
      ? {}
      : { secretKeyFile: e.EVENTFLOW_LOCAL_SECRET_KEY_FILE }),
    backupIntervalSeconds: e.EVENTFLOW_BACKUP_INTERVAL_SECONDS,
    backupKeep: e.EVENTFLOW_BACKUP_KEEP,
  };
}
