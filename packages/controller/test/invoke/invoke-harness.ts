import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { requestIdFor } from "../../src/http/request-id.js";
import type { Driver, Endpoint, InvocationRecorder } from "../../src/drivers/driver.js";
import {
  createInvokeHandler,
  type InvokeConfig,
  type InvokeRouter,
  type InvokeTarget,
} from "../../src/invoke/index.js";
import type { ActivatorRecorder } from "../../src/invoke/activator.js";

/** What the test recorder saw. */
export interface Recorded {
  readonly invocations: { name: string; status: number; seconds: number; coldStart: boolean }[];
  inFlight: number;
}

/**
 * A driver double that lists fixed replicas: the invoke router asks a driver only for a
 * function's endpoints (and, with none, waits; unused here).
 */
export function stubDriver(endpoints: Endpoint[]): Driver {
  return {
    endpoints: () => endpoints,
    waitForEndpoint: () => Promise.reject(new Error("unused")),
  } as unknown as Driver;
}

/** An InvocationRecorder that keeps everything in arrays. */
export function createTestRecorder(): InvocationRecorder & { seen: Recorded } {
  const seen: Recorded = { invocations: [], inFlight: 0 };
  return {
    seen,
    invocation(fn, status, seconds, coldStart) {
      seen.invocations.push({ name: fn.name, status, seconds, coldStart });
    },
    inFlight(_fn, delta) {
      seen.inFlight += delta;
    },
  };
}

/**
 * Serves the invoke handler the way the API mounts it: `/v1/functions/<name>:invoke` on a real
 * HTTP server on a free port (streaming and disconnects need real sockets).
 */
export async function startInvokeServer(options: {
  driver: Driver;
  recorder: InvocationRecorder;
  tenant: string;
  config?: Partial<InvokeConfig>;
  timeouts?: Record<string, number>;
  /** More of each function's target (containerConcurrency). */
  targets?: Record<string, Partial<InvokeTarget>>;
  activatorRecorder?: ActivatorRecorder;
}): Promise<{ url: string; handler: InvokeRouter; close: () => Promise<void> }> {
  const handler = createInvokeHandler({
    driver: options.driver,
    recorder: options.recorder,
    ...(options.activatorRecorder ? { activatorRecorder: options.activatorRecorder } : {}),
    config: { maxBodyBytes: 1024 * 1024, defaultTimeoutSeconds: 10, ...options.config },
  });
  const server: Server = createServer((req, res) => {
    const [path = "", querystring = ""] = (req.url ?? "").split("?", 2);
    const m = /^\/v1\/functions\/([a-z0-9-]+):invoke$/.exec(path);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    const name = m[1]!;
    const timeoutSeconds = options.timeouts?.[name];
    void handler(
      {
        req,
        res,
        requestId: requestIdFor(req.headers["x-request-id"] as string | undefined),
        querystring,
        protocol: "http",
      },
      {
        tenant: options.tenant,
        name,
        ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
        ...options.targets?.[name],
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    handler,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await handler.close();
    },
  };
}
