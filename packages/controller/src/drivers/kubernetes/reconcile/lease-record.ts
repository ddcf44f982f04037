/**
 * The Lease as leader election reads and writes it: pure conversions and the one decision
 * (may this candidate take the lease now?), apart from the API calls.
 */
import { V1MicroTime, type V1Lease, type V1LeaseSpec } from "@kubernetes/client-node";

/** Who holds a Lease, and for how long. */
export interface LeaseRecord {
  /** The holder's identity; empty when the lease was released or never held. */
  readonly holder: string;
  readonly leaseDurationSeconds: number;
  readonly transitions: number;
  readonly acquireTime?: Date;
  readonly renewTime?: Date;
}

// The client returns MicroTime fields as the API server's strings, not as Dates.
const toDate = (value: unknown): Date | undefined =>
  value === undefined || value === null ? undefined : new Date(value as string | Date);

/** The record a Lease carries; a Lease without a spec is an unheld one. */
export function toLeaseRecord(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  const acquireTime = toDate(spec.acquireTime);
  const renewTime = toDate(spec.renewTime);
  return {
    holder: spec.holderIdentity ?? "",
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    transitions: spec.leaseTransitions ?? 0,
    ...(acquireTime ? { acquireTime } : {}),
    ...(renewTime ? { renewTime } : {}),
  };
}

/**
 * Whether `record` is held by someone other than `identity` and still valid: its holder has
 * renewed it (as this candidate saw it change, at `observedAtMs` on the candidate's own clock,
 * so clocks need not agree) less than its lease duration ago.
 */
export function isHeldByOther(
  record: LeaseRecord,
  identity: string,
  times: { readonly observedAtMs: number; readonly nowMs: number },
): boolean {
  if (record.holder === "" || record.holder === identity) return false;
  return times.nowMs < times.observedAtMs + record.leaseDurationSeconds * 1000;
}

/**
 * The spec `identity` writes to take or renew the lease: acquireTime and the transition count
 * change only when the holder changes.
 */
export function buildLeaseSpec(options: {
  readonly identity: string;
  readonly previous: LeaseRecord | undefined;
  readonly leaseDurationSeconds: number;
  readonly now: Date;
}): V1LeaseSpec {
  const { identity, previous, now } = options;
  const renewing = previous?.holder === identity;
  const acquired = renewing && previous.acquireTime ? previous.acquireTime : now;
  const transitions = previous ? previous.transitions + (renewing ? 0 : 1) : 0;
  return {
    holderIdentity: identity,
    leaseDurationSeconds: options.leaseDurationSeconds,
    acquireTime: new V1MicroTime(acquired.getTime()),
    renewTime: new V1MicroTime(now.getTime()),
    leaseTransitions: transitions,
  };
}

/**
 * The spec a leader writes when it gives the lease up: no holder and a one-second duration
 * (as client-go's ReleaseOnCancel), so any candidate takes it at its next attempt.
 */
export function buildReleasedSpec(previous: LeaseRecord, now: Date): V1LeaseSpec {
  return {
    holderIdentity: "",
    leaseDurationSeconds: 1,
    acquireTime: new V1MicroTime(now.getTime()),
    renewTime: new V1MicroTime(now.getTime()),
    leaseTransitions: previous.transitions,
  };
}
