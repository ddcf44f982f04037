/**
 * A real OIDC provider (panva's oidc-provider) on 127.0.0.1 for auth tests: discovery, JWKS
 * and client-credentials access tokens as JWTs, with claims a test chooses and key rotation.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider from "oidc-provider";

/** A running provider. */
export interface TestOidcProvider {
  readonly issuer: string;
  /** The public JWK of the current signing key (PEM-free material for confusion attacks). */
  readonly publicJwk: () => JWK;
  /** Requests an access token carrying `claims` (tenant, role, ...). */
  token(claims: Record<string, unknown>): Promise<string>;
  /** Signs with a new key from now on; the old key stays published. */
  rotate(): Promise<void>;
  /** How often the JWKS endpoint was fetched. */
  jwksFetches(): number;
  close(): Promise<void>;
}

async function signingKey(kid: string): Promise<{ priv: JWK; pub: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  return {
    priv: { ...(await exportJWK(privateKey)), kid, alg: "RS256", use: "sig" },
    pub: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" },
  };
}

/** Starts the provider; `audience` is the `aud` of its access tokens. */
export async function startOidcProvider(audience: string): Promise<TestOidcProvider> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  let jwksFetches = 0;
  const server = createServer((req, res) => {
    if (req.url === "/jwks") jwksFetches += 1;
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let nextClaims: Record<string, unknown> = {};
  const keys = [await signingKey("key-1")];

  function build(): void {
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: "svc",
          client_secret: "svc-secret",
          grant_types: ["client_credentials"],
          redirect_uris: [],
          response_types: [],
        },
      ],
      jwks: { keys: keys.map((k) => k.priv) },
      ttl: { ClientCredentials: 600 },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => "urn:eventflow",
          getResourceServerInfo: () => ({
            scope: "api",
            audience,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "RS256" } },
          }),
        },
      },
      extraTokenClaims: () => nextClaims,
    });
    handler = provider.callback();
  }
  build();

  return {
    issuer,
    publicJwk: () => keys[0]!.pub,
    async token(claims) {
      nextClaims = claims;
      const res = await fetch(`${issuer}/token`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Basic ${Buffer.from("svc:svc-secret").toString("base64")}`,
        },
        body: "grant_type=client_credentials&scope=api",
      });
      const body = (await res.json()) as { access_token?: string; error?: string };
      if (body.access_token === undefined) throw new Error(`token request failed: ${body.error}`);
      return body.access_token;
    },
    async rotate() {
      keys.unshift(await signingKey(`key-${keys.length + 1}`));
      build();
    },
    jwksFetches: () => jwksFetches,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
