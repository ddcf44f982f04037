/**
 * A real OIDC provider (panva's oidc-provider) on 127.0.0.1 with a public client that signs in
 * with the authorization code flow and PKCE, its development login form, and JWT access tokens
 * for the controller's audience carrying tenant and role claims.
 */
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** The API resource (and token audience) the dashboard asks for. */
export const AUDIENCE = "urn:eventflow";
/** The dashboard's public client id. */
export const CLIENT_ID = "eventflow-dashboard";

/** Starts the provider; `redirectUri` is the dashboard's /auth/callback. */
export async function startOidcProvider(redirectUri: string) {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const key = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
    format: "jwk",
  });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code"],
        response_types: ["code"],
        redirect_uris: [redirectUri],
      },
    ],
    jwks: { keys: [{ ...key, kid: "k1", alg: "RS256", use: "sig" }] },
    clientBasedCORS: () => true,
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    // Consent is granted at once so the test needs only the login form.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope("openid");
      grant.addResourceScope(AUDIENCE, "api");
      await grant.save();
      return grant;
    },
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: "api",
          audience: AUDIENCE,
          accessTokenFormat: "jwt",
          jwt: { sign: { alg: "RS256" } },
        }),
      },
    },
    extraTokenClaims: () => ({ tenant: "default", role: "developer" }),
  });
  server.on("request", provider.callback());
  return {
    issuer,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
