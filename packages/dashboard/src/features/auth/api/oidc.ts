/**
 * OIDC sign-in with the authorization code flow and PKCE (RFC 7636), for a public client.
 * The verifier and state stay in sessionStorage between the redirect and the callback; the
 * code is removed from the address bar before it is exchanged, and the token never enters a URL.
 */

const PENDING = "eventflow.oidc.pending";

/** What the callback needs to finish a sign-in. */
interface PendingSignIn {
  readonly verifier: string;
  readonly state: string;
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly redirectUri: string;
}

/** Base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A fresh random string of 32 bytes' worth of entropy. */
export function randomToken(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The S256 code challenge of a verifier. */
export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

interface Discovery {
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
}

async function discover(issuer: string): Promise<Discovery> {
  const response = await fetch(`${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`OIDC discovery failed (${response.status})`);
  return (await response.json()) as Discovery;
}

/** Starts a sign-in: remembers the verifier and goes to the issuer's authorization page. */
export async function startOidcSignIn(options: {
  issuer: string;
  clientId: string;
  audience: string;
  redirectUri: string;
}): Promise<string> {
  const discovery = await discover(options.issuer);
  const verifier = randomToken();
  const state = randomToken();
  const pending: PendingSignIn = {
    verifier,
    state,
    tokenEndpoint: discovery.token_endpoint,
    clientId: options.clientId,
    redirectUri: options.redirectUri,
  };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: options.clientId,
    redirect_uri: options.redirectUri,
    scope: "openid",
    code_challenge: await codeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    resource: options.audience,
  }).toString();
  return url.toString();
}

/** Finishes a sign-in from the callback's query string; returns the access token. */
export async function finishOidcSignIn(search: string): Promise<string> {
  const params = new URLSearchParams(search);
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  if (params.get("error")) throw new Error(params.get("error_description") ?? params.get("error")!);
  if (!raw) throw new Error("no sign-in in progress in this tab");
  const pending = JSON.parse(raw) as PendingSignIn;
  const code = params.get("code");
  if (!code || params.get("state") !== pending.state)
    throw new Error("the sign-in answer does not match");
  const response = await fetch(pending.tokenEndpoint, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: pending.redirectUri,
      client_id: pending.clientId,
      code_verifier: pending.verifier,
    }),
  });
  if (!response.ok) throw new Error(`token exchange failed (${response.status})`);
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error("the issuer returned no access token");
  return body.access_token;
}
