/** OIDC issuer discovery and its remote key set (cached, refetched on unknown `kid`). */
import { EventFlowError } from "@eventflow/protocol";
import { createRemoteJWKSet, type JWTVerifyGetKey } from "jose";

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

/**
 * Discovers the issuer lazily (the controller starts even when the issuer is down) and keeps
 * one jose remote key set; a failed discovery is retried after `retryAfterMs` (5 s).
 */
export function createOidcKeys(options: OidcKeysOptions): OidcKeys {
  let pending: Promise<JWTVerifyGetKey> | undefined;
  return {
    getKeySet() {
      pending ??= discover(options).then(
        (jwksUri) =>
          createRemoteJWKSet(jwksUri, {
            cacheMaxAge: options.cacheMaxAgeMs,
            cooldownDuration: options.cooldownMs ?? 30_000,
            timeoutDuration: options.timeoutMs ?? 5000,
          }),
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
