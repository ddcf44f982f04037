// A real controller for the client's tests: the controller's own test harness (in-process
// Koa app on 127.0.0.1:0) over the real local driver and invoke router, running real replica
// processes from an OCI layout. Reused from packages/controller/test without changes.
import { isEventFlowError, type EventFlowError } from "@eventflow/protocol";
import {
  mintToken,
  startLocalDriverApp,
  type TestApp,
} from "../../../controller/test/support/harness.js";

export { mintToken };

/** The EventFlowError a call rejects with (fails the test when it resolves or rejects otherwise). */
export async function rejection(promise: Promise<unknown>): Promise<EventFlowError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isEventFlowError(error)) throw new Error(`expected an EventFlowError, got ${String(error)}`);
  return error;
}

/** A started controller with a test image in an OCI layout. */
export interface ClientTestEnv {
  readonly app: TestApp;
  readonly url: string;
  /** `oci:DIR:v1`: the fixture app (see controller/test/local-driver/fixtures/fixture-app.mjs). */
  readonly image: string;
  close(): Promise<void>;
}

/**
 * Starts the controller with dev auth over the local driver, wired as the controller's start
 * wires it (the invoke router routes by the revisions' traffic): the controller tests' own
 * {@link startLocalDriverApp}.
 */
export async function startClientTestEnv(prefix: string): Promise<ClientTestEnv> {
  const started = await startLocalDriverApp(prefix, {
    EVENTFLOW_DEV_AUTH: "true",
    LOG_LEVEL: "warn",
  });
  return {
    app: started.app,
    url: started.app.url,
    image: started.image,
    close: () => started.close(),
  };
}
