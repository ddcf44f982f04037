import { EventFlowError } from "@eventflow/protocol";
import type { Credentials, CredentialSource } from "./credentials.js";

/** A parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  /** `basic` or `bearer` (lower case). */
  readonly scheme: string;
  /** Parameters (`realm`, `service`, `scope`, `error`), keys lower case. */
  readonly params: Readonly<Record<string, string>>;
}

/** Parses the first challenge of a `WWW-Authenticate` header (RFC 7235 auth-params). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/s.exec(header);
  if (match === null) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = match[2]!;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null && m[0].length > 0) {
    params[m[1]!.toLowerCase()] = m[2] === undefined ? (m[3] ?? "") : m[2].replace(/\\(.)/g, "$1");
  }
  return { scheme: match[1]!.toLowerCase(), params };
}

/** Merges `repository:name:actions` scopes, uniting the actions of the same resource. */
export function mergeScopes(scopes: readonly string[]): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const scope of scopes.flatMap((s) => s.split(" ")).filter((s) => s.length > 0)) {
    const last = scope.lastIndexOf(":");
    const resource = last === -1 ? scope : scope.slice(0, last);
    const actions = last === -1 ? [] : scope.slice(last + 1).split(",");
    const set = byResource.get(resource) ?? new Set<string>();
    for (const action of actions) if (action) set.add(action);
    byResource.set(resource, set);
  }
  return [...byResource.entries()]
    .map(([resource, actions]) =>
      actions.size === 0 ? resource : `${resource}:${[...actions].sort().join(",")}`,
    )
    .sort();
}

/** Fetches tokens from a token server; given by the client (it owns transport and retries). */
export type TokenFetcher = (request: {
  registry: string;
  realm: string;
  service: string | undefined;
  scopes: readonly string[];
  credentials: Credentials | undefined;
}) => Promise<{ token: string; expiresInSeconds: number }>;

interface RegistryAuthState {
  challenge?: Challenge;
  credentials?: Promise<Credentials | undefined>;
}

/** Keeps each registry's auth scheme, its credentials and a token cache per scope set. */
export class Authorizer {
  readonly #states = new Map<string, RegistryAuthState>();
  readonly #tokens = new Map<string, { token: string; expiresAt: number }>();
  readonly #pending = new Map<string, Promise<{ token: string; expiresInSeconds: number }>>();
  readonly #credentials: CredentialSource | undefined;
  readonly #fetchToken: TokenFetcher;
  readonly #now: () => number;

  constructor(deps: {
    credentials: CredentialSource | undefined;
    fetchToken: TokenFetcher;
    now: () => number;
  }) {
    this.#credentials = deps.credentials;
    this.#fetchToken = deps.fetchToken;
    this.#now = deps.now;
  }

  #state(registry: string): RegistryAuthState {
    let state = this.#states.get(registry);
    if (state === undefined) this.#states.set(registry, (state = {}));
    return state;
  }

  /** The credentials for `registry` (looked up once). */
  credentials(registry: string): Promise<Credentials | undefined> {
    const state = this.#state(registry);
    state.credentials ??= this.#credentials?.get(registry) ?? Promise.resolve(undefined);
    return state.credentials;
  }

  /** Records the challenge of a `GET /v2/` answer so later requests authenticate up front. */
  remember(registry: string, challenge: Challenge | undefined): void {
    if (challenge !== undefined) this.#state(registry).challenge = challenge;
  }

  /** The `Authorization` header for a request needing `scopes`, or undefined (anonymous). */
  async header(
    registry: string,
    scopes: readonly string[],
    fresh = false,
  ): Promise<string | undefined> {
    const challenge = this.#states.get(registry)?.challenge;
    if (challenge === undefined) return undefined;
    const credentials = await this.credentials(registry);
    if (challenge.scheme === "basic") {
      if (credentials === undefined || !("password" in credentials)) return undefined;
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
    }
    if (challenge.scheme !== "bearer") return undefined;
    const realm = challenge.params.realm;
    if (realm === undefined) {
      throw new EventFlowError(
        "REGISTRY_PROTOCOL_ERROR",
        `Registry ${registry} sent a Bearer challenge without a realm.`,
      );
    }
    const merged = mergeScopes(scopes);
    const key = `${registry} ${merged.join(" ")}`;
    const cached = this.#tokens.get(key);
    if (!fresh && cached !== undefined && cached.expiresAt > this.#now())
      return `Bearer ${cached.token}`;
    // Concurrent requests for the same scopes share one token request.
    let pending = fresh ? undefined : this.#pending.get(key);
    if (pending === undefined) {
      pending = this.#fetchToken({
        registry,
        realm,
        service: challenge.params.service,
        scopes: merged,
        credentials,
      });
      this.#pending.set(key, pending);
      pending.then(
        ({ token, expiresInSeconds }) => {
          // Renew 10 s early so a token never expires in flight.
          const expiresAt = this.#now() + Math.max(0, expiresInSeconds - 10) * 1000;
          this.#tokens.set(key, { token, expiresAt });
          this.#pending.delete(key);
        },
        () => this.#pending.delete(key),
      );
    }
    return `Bearer ${(await pending).token}`;
  }

  /**
   * Handles a 401: learns the challenge and returns a new header to retry with, or undefined
   * when nothing new can be tried (no credentials for Basic, unknown scheme).
   */
  async onUnauthorized(
    registry: string,
    wwwAuthenticate: string | undefined,
    scopes: readonly string[],
  ): Promise<string | undefined> {
    const challenge = parseChallenge(wwwAuthenticate);
    if (challenge === undefined) return undefined;
    this.remember(registry, challenge);
    const extra = challenge.params.scope === undefined ? [] : [challenge.params.scope];
    return this.header(registry, [...scopes, ...extra], true);
  }
}
