import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { EventFlowError } from "@eventflow/protocol";
import type { ReplicaUser } from "./sandbox.js";

/** The uids (and equal gids) replicas may run as: `first` up to `first + count - 1`. */
export interface UidRange {
  readonly first: number;
  readonly count: number;
}

/**
 * The uid of a tenant new to `assigned`: the first free one from a hash of its name onwards
 * (so a lost assignment file most likely gives the same ids again), never one held by another
 * tenant. Throws LOCAL_REPLICA_USER_UNUSABLE when the range is full.
 */
export function allocateUid(
  assigned: ReadonlyMap<string, number>,
  tenant: string,
  range: UidRange,
): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < tenant.length; i++) {
    h ^= tenant.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const taken = new Set(assigned.values());
  for (let i = 0; i < range.count; i++) {
    const uid = range.first + ((h + i) % range.count);
    if (!taken.has(uid)) return uid;
  }
  throw new EventFlowError(
    "LOCAL_REPLICA_USER_UNUSABLE",
    `all ${range.count} replica uids from ${range.first} are taken; widen EVENTFLOW_LOCAL_UID_COUNT`,
  );
}

function load(file: string, range: UidRange): Map<string, number> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return new Map();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new EventFlowError(
      "LOCAL_STORE_DAMAGED",
      `${file} (the tenants' replica uids) is not JSON; delete it to assign them again`,
      { cause: error },
    );
  }
  const out = new Map<string, number>();
  const taken = new Set<number>();
  if (typeof parsed === "object" && parsed !== null) {
    for (const [tenant, uid] of Object.entries(parsed)) {
      // An edited or damaged entry is not trusted: a uid outside the range (0 is root) or one
      // another tenant holds already would run replicas as that user. The tenant gets a uid of
      // the range again, as a tenant new to the file does.
      if (typeof uid !== "number" || !Number.isInteger(uid) || taken.has(uid)) continue;
      if (uid < range.first || uid >= range.first + range.count) continue;
      out.set(tenant, uid);
      taken.add(uid);
    }
  }
  return out;
}

/**
 * One unprivileged user per tenant, kept in `file` (`<dataDir>/replica-users.json`, mode 0600)
 * so that a tenant keeps its uid across restarts: its temporary files stay its own, and two
 * tenants never share one. A tenant's functions share its uid.
 */
export function createReplicaUsers(file: string, range: UidRange) {
  const assigned = load(file, range);
  return {
    userFor(tenant: string): ReplicaUser {
      let uid = assigned.get(tenant);
      if (uid === undefined) {
        uid = allocateUid(assigned, tenant, range);
        assigned.set(tenant, uid);
        // Written before a process runs as it: a crash cannot hand the uid to another tenant.
        const tmp = `${file}.tmp`;
        writeFileSync(tmp, JSON.stringify(Object.fromEntries(assigned)), { mode: 0o600 });
        renameSync(tmp, file);
      }
      return { uid, gid: uid };
    },
  };
}

/** The per-tenant user allocator type. */
export type ReplicaUsers = ReturnType<typeof createReplicaUsers>;
