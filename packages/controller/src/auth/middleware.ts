/** Reads the bearer token of a request and verifies it. */
import { EventFlowError } from "@eventflow/protocol";
import type { Context } from "koa";
import type { Principal } from "./principal.js";
import type { TokenVerifier } from "./verifier.js";

const BEARER = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)\s*$/i;

/** The token of a well-formed `Authorization: Bearer` header, else undefined. */
export function parseBearer(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/** The bearer token of `Authorization`, or throws AUTH_TOKEN_MISSING. */
export function bearerToken(ctx: Context): string {
  const header = ctx.get("authorization");
  const token = parseBearer(header);
  if (token === undefined) {
    ctx.set("www-authenticate", 'Bearer realm="eventflow"');
    if (header === "")
      throw new EventFlowError(
        "AUTH_TOKEN_MISSING",
        "send a bearer token in the Authorization header",
      );
    throw new EventFlowError(
      "AUTH_TOKEN_INVALID",
      "the Authorization header is not a bearer token",
      {
        details: { reason: "malformed authorization header" },
      },
    );
  }
  return token;
}

/** Verifies the request's token and returns who it speaks for. */
export async function authenticate(ctx: Context, verifier: TokenVerifier): Promise<Principal> {
  const token = bearerToken(ctx);
  try {
    return await verifier.verify(token);
  } catch (error) {
    ctx.set("www-authenticate", 'Bearer realm="eventflow", error="invalid_token"');
    throw error;
  }
}
