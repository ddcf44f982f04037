/** OIDC issuer discovery and its remote key set (cached, refetched on unknown `kid`). */
import { EventFlowError } from "@eventflow/protocol";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  jwksCache,
  type ExportedJWKSCache,
  type JWTVerifyGetKey,
} from "jose";

/** Options of {@link createOidcKeys}. */
export interface OidcKeysOptions {
  readonly issuer: string;
  /** How long fetched keys are trusted before a refetch. */
  readonly cacheMaxAgeMs: number;
  /** Least time between two refetches triggered by unknown keys (rotation). */
  readonly cooldownMs?: number;
  readonly timeoutMs?: number;
  /** After a failed discovery, tokens fail fast for this long before it is tried again. */
  readonly retryAfterMs?: number;
  readonly fetch?: typeof fetch;
  /**
   * How long the last key set fetched stays usable while the issuer cannot be reached after
   * its cache time ran out (stale-if-error; default 24 h). 0 turns it off.
   */
  readonly maxStaleMs?: number;
  /** Told when keys are used stale (each failed refresh) and when a refresh works again. */
  readonly observer?: OidcKeysObserver;
  /** Clock in ms (tests); default `Date.now`. */
  readonly now?: () => number;
}

/** What {@link createOidcKeys} reports about its key set's health. */
export interface OidcKeysObserver {
  /** A refresh failed and the last good key set, `ageMs` old, is used instead. */
  refreshFailed(error: unknown, ageMs: number): void;
  /** A refresh worked after failures. */
  recovered(): void;
}

/** Resolves verification keys of one OIDC issuer. */
export interface OidcKeys {
  /** The key set, discovering the issuer first if needed. */
  getKeySet(): Promise<JWTVerifyGetKey>;
}

function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
}

async function discover(options: OidcKeysOptions): Promise<URL> {
  const doFetch = options.fetch ?? fetch;
  let body: unknown;
  try {
    const res = await doFetch(discoveryUrl(options.issuer), {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
    if (!res.ok) throw new Error(`discovery answered ${res.status}`);
    body = await res.json();
  } catch (error) {
    throw new EventFlowError(
      "AUTH_PROVIDER_UNAVAILABLE",
      "the OIDC issuer's discovery document could not be read",
      {
        cause: error,
      },
    );
  }
  const doc = body as { issuer?: unknown; jwks_uri?: unknown };
  if (
    doc.issuer !== options.issuer ||
    typeof doc.jwks_uri !== "string" ||
    !URL.canParse(doc.jwks_uri)
  ) {
    throw new EventFlowError(
      "AUTH_PROVIDER_UNAVAILABLE",
      "the OIDC discovery document does not match the issuer",
      {
        details: { issuer: options.issuer },
      },
    );
  }
  return new URL(doc.jwks_uri);
}

/** Whether a key set refresh failed for want of the issuer (not for an unknown key). */
function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  // Timeout, a non-200 answer or an unparsable body (jose's generic error), a failed fetch.
  return code === "ERR_JWKS_TIMEOUT" || code === "ERR_JOSE_GENERIC" || error instanceof TypeError;
}

/**
 * jose's remote key set, made stale-if-error as API gateways do: once its cache time is over it
 * refreshes, and when the issuer cannot be reached the last key set fetched is used instead (up
 * to `maxStaleMs` old), so an issuer outage does not refuse every caller holding a token signed
 * by a key seen before. A key not in that set is still refused. While stale, a refresh is tried
 * again at most every `retryMs`, not on every request (each try may wait for its timeout).
 */
function staleIfError(
  remote: JWTVerifyGetKey,
  cache: ExportedJWKSCache | Record<string, never>,
  o: { maxStaleMs: number; retryMs: number; now: () => number; observer?: OidcKeysObserver },
): JWTVerifyGetKey {
  let stale: { uat: number; keys: JWTVerifyGetKey } | undefined;
  let retryAt = 0;
  return async (header, token) => {
    if (stale !== undefined && o.now() < retryAt && o.now() - stale.uat <= o.maxStaleMs) {
      return stale.keys(header, token);
    }
    try {
      const key = await remote(header, token);
      if (stale !== undefined) o.observer?.recovered();
      stale = undefined;
      return key;
    } catch (error) {
      const { jwks, uat } = cache as Partial<ExportedJWKSCache>;
      if (!isUnreachable(error) || jwks === undefined || uat === undefined) throw error;
      if (o.now() - uat > o.maxStaleMs) throw error;
      if (stale?.uat !== uat) stale = { uat, keys: createLocalJWKSet(jwks) };
      retryAt = o.now() + o.retryMs;
      o.observer?.refreshFailed(error, o.now() - uat);
      return stale.keys(header, token);
    }
  };
}

/**
 * Discovers the issuer lazily (the controller starts even when the issuer is down) and keeps
 * one jose remote key set, stale-if-error; a failed discovery is retried after `retryAfterMs`
 * (5 s).
 */
export function createOidcKeys(options: OidcKeysOptions): OidcKeys {
  let pending: Promise<JWTVerifyGetKey> | undefined;
  const cooldownMs = options.cooldownMs ?? 30_000;
  return {
    getKeySet() {
      pending ??= discover(options).then(
        (jwksUri) => {
          // jose writes every key set it fetches, with its time, into this object.
          const cache = {} as Record<string, never>;
          const remote = createRemoteJWKSet(jwksUri, {
            cacheMaxAge: options.cacheMaxAgeMs,
            cooldownDuration: cooldownMs,
            timeoutDuration: options.timeoutMs ?? 5000,
            [jwksCache]: cache,
          });
          const maxStaleMs = options.maxStaleMs ?? 86_400_000;
          if (maxStaleMs <= 0) return remote;
          return staleIfError(remote, cache, {
            maxStaleMs,
            retryMs: cooldownMs,
            now: options.now ?? Date.now,
            ...(options.observer ? { observer: options.observer } : {}),
          });
        },
        (error: unknown) => {
          // Tokens keep coming while the issuer is down: ask it again only after a pause.
          setTimeout(() => (pending = undefined), options.retryAfterMs ?? 5000).unref();
          throw error;
        },
      );
      return pending;
    },
  };
}
