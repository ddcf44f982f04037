/** Converts jose's `ERR_JOSE_*` / `ERR_JW*` errors into EventFlow codes, in one place. */
import { EventFlowError } from "@eventflow/protocol";
import { errors } from "jose";

/** Maps a verification failure to AUTH_TOKEN_EXPIRED, AUTH_TOKEN_INVALID or AUTH_PROVIDER_UNAVAILABLE. */
export function fromJoseError(error: unknown): EventFlowError {
  if (error instanceof EventFlowError) return error;
  if (error instanceof errors.JWTExpired) {
    return new EventFlowError("AUTH_TOKEN_EXPIRED", "the token has expired", { cause: error });
  }
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === "nbf") {
    return new EventFlowError("AUTH_TOKEN_EXPIRED", "the token is not yet valid", { cause: error });
  }
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new EventFlowError(
      "AUTH_PROVIDER_UNAVAILABLE",
      "the OIDC provider's key set could not be read",
      {
        cause: error,
      },
    );
  }
  if (error instanceof errors.JOSEError && error.code === "ERR_JOSE_GENERIC") {
    return new EventFlowError(
      "AUTH_PROVIDER_UNAVAILABLE",
      "the OIDC provider answered with an error",
      { cause: error },
    );
  }
  if (error instanceof errors.JOSEError) {
    const reason =
      error instanceof errors.JWTClaimValidationFailed
        ? `${error.claim}: ${error.reason}`
        : error.code;
    return new EventFlowError("AUTH_TOKEN_INVALID", "the token is not valid", {
      cause: error,
      details: { reason },
    });
  }
  // Anything else (fetch failures, DNS) came from talking to the issuer.
  return new EventFlowError("AUTH_PROVIDER_UNAVAILABLE", "the OIDC provider could not be reached", {
    cause: error,
  });
}
