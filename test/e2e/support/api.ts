/** The controller's HTTP API over plain fetch, as the e2e files call it: a bearer token, JSON. */

/** An answer: its status, headers and body (parsed JSON, the text when it is not JSON). */
export interface ApiReply<T> {
  readonly status: number;
  readonly headers: Headers;
  /** Undefined for an empty body. */
  readonly body: T;
}

/** One request: `body` is sent as JSON when given. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Sends `request` to the controller at `target.url` with `target.token`. */
export async function callApi<T = Record<string, unknown>>(
  target: { readonly url: string; readonly token: string },
  request: ApiRequest,
): Promise<ApiReply<T>> {
  const { method, path, body, headers = {} } = request;
  const res = await fetch(`${target.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${target.token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, body: json as T };
}
