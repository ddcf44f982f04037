/**
 * OAuth 2.0 device authorization grant (RFC 8628) against the controller's OIDC issuer: the
 * CLI shows a URL and a code, the user approves in a browser, the CLI polls for the token.
 */
import { EventFlowError } from "@eventflow/protocol";

/** What `GET /auth/config` says about the issuer. */
export interface DeviceFlowIssuer {
  readonly issuer: string;
  readonly audience: string;
  readonly clientId: string;
}

/** Options of {@link runDeviceFlow}. */
export interface DeviceFlowOptions {
  readonly fetch?: typeof fetch;
  readonly signal?: AbortSignal | undefined;
  /** Shown to the user: where to go and which code to enter. */
  readonly prompt: (verificationUri: string, userCode: string, completeUri?: string) => void;
  /** Waits between polls (injectable for tests); default setTimeout honouring the signal. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The tokens the issuer handed out. */
export interface DeviceFlowTokens {
  readonly accessToken: string;
  readonly refreshToken: string | undefined;
  readonly expiresIn: number | undefined;
}

function failed(message: string, cause?: unknown): EventFlowError {
  return new EventFlowError(
    "AUTH_PROVIDER_UNAVAILABLE",
    message,
    cause === undefined ? {} : { cause },
  );
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

async function postForm(
  doFetch: typeof fetch,
  url: string,
  form: Record<string, string>,
  signal?: AbortSignal,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await doFetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams(form).toString(),
    ...(signal === undefined ? {} : { signal }),
  });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: res.status, body };
}

/** Runs the device flow; resolves with the access token once the user approved. */
export async function runDeviceFlow(
  issuer: DeviceFlowIssuer,
  options: DeviceFlowOptions,
): Promise<DeviceFlowTokens> {
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? defaultSleep;
  const wellKnown = `${issuer.issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  let discovery: Record<string, unknown>;
  try {
    const res = await doFetch(wellKnown, options.signal ? { signal: options.signal } : {});
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    discovery = (await res.json()) as Record<string, unknown>;
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    throw failed(`cannot read ${wellKnown}: ${(error as Error).message}`, error);
  }
  const deviceEndpoint = discovery.device_authorization_endpoint;
  const tokenEndpoint = discovery.token_endpoint;
  if (typeof deviceEndpoint !== "string" || typeof tokenEndpoint !== "string") {
    throw new EventFlowError(
      "CLI_USAGE",
      `the issuer ${issuer.issuer} does not offer the device flow; log in with --token`,
    );
  }
  const started = await postForm(
    doFetch,
    deviceEndpoint,
    { client_id: issuer.clientId, scope: "openid" },
    options.signal,
  );
  const { device_code, user_code, verification_uri, verification_uri_complete } = started.body;
  if (
    typeof device_code !== "string" ||
    typeof user_code !== "string" ||
    typeof verification_uri !== "string"
  ) {
    throw failed(
      `the issuer refused the device authorization: ${String(started.body.error_description ?? started.body.error ?? started.status)}`,
    );
  }
  options.prompt(
    verification_uri,
    user_code,
    typeof verification_uri_complete === "string" ? verification_uri_complete : undefined,
  );
  let interval = typeof started.body.interval === "number" ? started.body.interval : 5;
  const expiresIn = typeof started.body.expires_in === "number" ? started.body.expires_in : 600;
  const deadline = Date.now() + expiresIn * 1000;
  while (Date.now() < deadline) {
    await sleep(interval * 1000, options.signal);
    const polled = await postForm(
      doFetch,
      tokenEndpoint,
      {
        grant_type: "urn:ietf:params:oauth:grant-type:device_code",
        device_code,
        client_id: issuer.clientId,
      },
      options.signal,
    );
    const { access_token, refresh_token, expires_in, error } = polled.body;
    if (typeof access_token === "string") {
      return {
        accessToken: access_token,
        refreshToken: typeof refresh_token === "string" ? refresh_token : undefined,
        expiresIn: typeof expires_in === "number" ? expires_in : undefined,
      };
    }
    if (error === "authorization_pending") continue;
    if (error === "slow_down") {
      interval += 5;
      continue;
    }
    if (error === "access_denied")
      throw new EventFlowError("AUTH_FORBIDDEN", "the sign-in was denied in the browser");
    if (error === "expired_token") break;
    throw failed(
      `the issuer refused the token: ${String(polled.body.error_description ?? error ?? polled.status)}`,
    );
  }
  throw new EventFlowError(
    "AUTH_TOKEN_EXPIRED",
    "the sign-in code expired before it was approved; run `eventflow login` again",
  );
}
