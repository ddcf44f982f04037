// A real controller for the client's tests: the controller's own test harness (in-process
// Koa app on 127.0.0.1:0) over the real local driver and invoke router, running real replica
// processes from an OCI layout. Reused from packages/controller/test without changes.
import { isEventFlowError, type EventFlowError } from "@eventflow/protocol";
import { createInvokeHandler } from "../../../controller/src/invoke/index.js";
import type { Driver } from "../../../controller/src/drivers/driver.js";
import {
  startDriver,
  tempDir,
} from "../../../controller/test/local-driver/helpers/driver-harness.js";
import { mintToken, startTestApp, type TestApp } from "../../../controller/test/support/harness.js";

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

// Loaded by a computed specifier: the sdk's typecheck project would otherwise type-check this
// controller helper too, and it does not compile under the sdk's settings (tar-stream types).
const OCI_IMAGE_HELPER = new URL(
  "../../../controller/test/local-driver/helpers/oci-image.ts",
  import.meta.url,
).pathname;
type WriteTestImage = (options: { dir: string; tag?: string }) => Promise<string>;

/** A started controller with a test image in an OCI layout. */
export interface ClientTestEnv {
  readonly app: TestApp;
  readonly url: string;
  /** `oci:DIR:v1`: the fixture app (see controller/test/local-driver/fixtures/fixture-app.mjs). */
  readonly image: string;
  close(): Promise<void>;
}

/** Starts the controller with dev auth and the local driver. */
export async function startClientTestEnv(prefix: string): Promise<ClientTestEnv> {
  const data = await tempDir(prefix);
  const { writeTestImage } = (await import(OCI_IMAGE_HELPER)) as { writeTestImage: WriteTestImage };
  const image = await writeTestImage({ dir: `${data.path}/layout`, tag: "v1" });
  const driver: Driver = await startDriver(`${data.path}/data`);
  const closers: Array<() => Promise<void>> = [];
  const app = await startTestApp({
    driver,
    env: {
      EVENTFLOW_DEV_AUTH: "true",
      EVENTFLOW_DATA_DIR: `${data.path}/data`,
      LOG_LEVEL: "warn",
    },
    invoke: (metrics, config) => {
      const handler = createInvokeHandler({
        driver,
        recorder: metrics.recorder,
        config: {
          maxBodyBytes: config.limits.maxInvokeBodyBytes,
          defaultTimeoutSeconds: config.limits.defaultTimeoutSeconds,
        },
      });
      closers.push(() => handler.close());
      return handler;
    },
  });
  return {
    app,
    url: app.url,
    image,
    async close() {
      await app.close();
      for (const close of closers) await close();
      await driver.close();
      await data.cleanup();
    },
  };
}
