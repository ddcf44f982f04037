import { request, type Dispatcher } from "undici";
import { EventFlowError, isEventFlowError } from "@eventflow/protocol";
import { BODY_LIMITS, readAtMost } from "./bounded-body.js";
import type { Credentials } from "./credentials.js";
import {
  fromTokenResponse,
  fromTransportError,
  isRetryableStatus,
  isRetryableTransportError,
} from "./errors.js";
import { backoffDelay, type RetryPolicy } from "./retry.js";

/** What a token request needs. */
export interface TokenRequest {
  /** The registry the token is for (messages name it). */
  readonly registry: string;
  readonly realm: string;
  readonly service: string | undefined;
  readonly scopes: readonly string[];
  readonly credentials: Credentials | undefined;
  readonly dispatcher: Dispatcher;
  readonly retry: RetryPolicy;
  readonly userAgent: string;
}

function tokenRequestInit(req: TokenRequest): {
  url: URL;
  init: Dispatcher.RequestOptions["headers"];
  body?: string;
  method: "GET" | "POST";
} {
  const url = new URL(req.realm);
  const creds = req.credentials;
  if (creds !== undefined && "identityToken" in creds) {
    // OAuth2 refresh-token grant, as docker does for identity tokens.
    const form = new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: creds.identityToken,
      client_id: "eventflow",
    });
    if (req.service !== undefined) form.set("service", req.service);
    if (req.scopes.length > 0) form.set("scope", req.scopes.join(" "));
    return {
      url,
      method: "POST",
      init: { "content-type": "application/x-www-form-urlencoded" },
      body: form.toString(),
    };
  }
  if (req.service !== undefined) url.searchParams.set("service", req.service);
  for (const scope of req.scopes) url.searchParams.append("scope", scope);
  const headers: Record<string, string> = {};
  if (creds !== undefined && "password" in creds) {
    headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString("base64")}`;
    url.searchParams.set("account", creds.username);
  }
  return { url, method: "GET", init: headers };
}

/**
 * Gets a Bearer token from the realm of a registry's challenge (distribution token spec:
 * GET with Basic credentials, or the OAuth2 refresh-token POST for identity tokens).
 * A 401 is REGISTRY_UNAUTHORIZED, a 403 REGISTRY_DENIED; 5xx/429 and connection errors retry.
 */
export async function fetchToken(
  req: TokenRequest,
): Promise<{ token: string; expiresInSeconds: number }> {
  const { url, method, init, body } = tokenRequestInit(req);
  const ctx = {
    registry: req.registry,
    operation: `get a token from ${url.origin}${url.pathname}`,
  };
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= req.retry.attempts;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method,
        headers: { "user-agent": req.userAgent, accept: "application/json", ...init },
        body,
        dispatcher: req.dispatcher,
      });
    } catch (error) {
      if (!last && isRetryableTransportError(error)) {
        await req.retry.sleep(backoffDelay(req.retry, attempt));
        continue;
      }
      throw fromTransportError({ ...ctx, attempts: attempt, url: url.origin }, error);
    }
    if (!last && isRetryableStatus(res.statusCode)) {
      await res.body.dump();
      await req.retry.sleep(backoffDelay(req.retry, attempt));
      continue;
    }
    let text: string;
    try {
      const bytes = await readAtMost(res.body, BODY_LIMITS.token);
      if (bytes === undefined)
        throw new EventFlowError(
          "REGISTRY_PROTOCOL_ERROR",
          `The token service ${url.origin}${url.pathname} answered with more than ${BODY_LIMITS.token} bytes.`,
        );
      text = bytes.toString("utf8");
    } catch (error) {
      if (isEventFlowError(error)) throw error;
      throw fromTransportError({ ...ctx, attempts: attempt, url: url.origin }, error);
    }
    if (res.statusCode === 200) return parseTokenBody(text, url);
    throw fromTokenResponse(
      {
        registry: req.registry,
        realm: req.realm,
        scopes: req.scopes,
        username:
          req.credentials !== undefined && "username" in req.credentials
            ? req.credentials.username
            : undefined,
        attempts: attempt,
      },
      { status: res.statusCode, body: text },
    );
  }
}

function parseTokenBody(text: string, url: URL): { token: string; expiresInSeconds: number } {
  try {
    const parsed = JSON.parse(text) as {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
    };
    const token = typeof parsed.token === "string" ? parsed.token : parsed.access_token;
    if (typeof token !== "string" || token.length === 0) throw new Error("no token");
    const expires =
      typeof parsed.expires_in === "number" && parsed.expires_in > 0 ? parsed.expires_in : 60;
    return { token, expiresInSeconds: expires };
  } catch (error) {
    throw new EventFlowError(
      "REGISTRY_PROTOCOL_ERROR",
      `The token server ${url.origin} answered without a token.`,
      { cause: error },
    );
  }
}
