import type { IncomingMessage, ServerResponse } from "node:http";
import { refusal, type RuntimeState } from "./admission.js";
import type { RuntimeConfig } from "./config.js";
import type { LoadCounter } from "./load-counter.js";
import type { RuntimeMetrics } from "./metrics.js";
import { writeError } from "./respond.js";

/**
 * Paths under this prefix belong to the platform and never reach the handler:
 * `/_eventflow/healthz` (liveness), `/_eventflow/readyz` (readiness), `/_eventflow/metrics`,
 * `/_eventflow/stats` (the load the controller's autoscaler scrapes; see load-counter.ts).
 */
export const RESERVED_PREFIX = "/_eventflow/";

interface ReservedDeps {
  readonly url: string;
  readonly state: () => RuntimeState;
  readonly load: LoadCounter;
  readonly config: RuntimeConfig;
  readonly metrics: RuntimeMetrics | undefined;
  readonly readiness: () => Promise<boolean>;
}

function json(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(body),
    "cache-control": "no-store",
  });
  res.end(body);
}

/** Answers a request for a reserved path. */
export function serveReserved(req: IncomingMessage, res: ServerResponse, deps: ReservedDeps): void {
  const q = deps.url.indexOf("?");
  const path = (q === -1 ? deps.url : deps.url.slice(0, q)).slice(RESERVED_PREFIX.length);
  if (req.method !== "GET" && req.method !== "HEAD") {
    writeError(res, "METHOD_NOT_ALLOWED", "reserved paths accept GET and HEAD only", {
      headers: { allow: "GET, HEAD" },
    });
    return;
  }
  switch (path) {
    case "healthz":
      json(res, 200, { status: "ok" });
      return;
    case "readyz":
      void deps.readiness().then(
        (ready) =>
          json(res, ready ? 200 : 503, {
            status: ready ? "ready" : notReadyReason(deps),
            inFlight: deps.load.inFlight,
          }),
        () => json(res, 503, { status: "error" }),
      );
      return;
    case "stats": {
      // `ready` is whether new requests are taken now (state and maxConcurrency), without the
      // handler's readiness hook: a scrape must stay cheap and never wait on user code.
      const state = deps.state();
      json(res, 200, {
        ...deps.load.snapshot(performance.now()),
        ready: state === "ready" && refusal(state, deps.load.inFlight, deps.config) === undefined,
      });
      return;
    }
    case "metrics":
      if (deps.metrics === undefined) break;
      {
        const body = deps.metrics.render(deps.load.inFlight, deps.load.snapshot(performance.now()));
        res.writeHead(200, {
          "content-type": "text/plain; version=0.0.4; charset=utf-8",
          "content-length": Buffer.byteLength(body),
        });
        res.end(body);
      }
      return;
  }
  writeError(res, "RUNTIME_RESERVED_PATH", `unknown reserved path ${RESERVED_PREFIX}${path}`);
}

function notReadyReason(deps: ReservedDeps): string {
  const state = deps.state();
  if (state !== "ready") return state;
  if (deps.config.maxConcurrency > 0 && deps.load.inFlight >= deps.config.maxConcurrency)
    return "overloaded";
  return "not ready";
}
