import { resolveFunction } from "@eventflow/sdk/internal";
import {
  createLogger,
  createRuntime,
  createRuntimeMetrics,
  parseRuntimeConfig,
  type Runtime,
} from "../../src/index.js";

/** A runtime started in this process on a free port, with its log lines captured. */
export interface TestRuntime {
  readonly url: string;
  readonly runtime: Runtime;
  readonly logs: Array<Record<string, unknown>>;
  stop(): Promise<boolean>;
}

/** Starts `handlerModule` (a function, a definition or a module) with env overrides. */
export async function startInProcess(
  handlerModule: unknown,
  env: Record<string, string> = {},
): Promise<TestRuntime> {
  const config = parseRuntimeConfig({
    PORT: "0",
    EVENTFLOW_HOST: "127.0.0.1",
    EVENTFLOW_SHUTDOWN_DELAY_MS: "0",
    EVENTFLOW_FUNCTION_NAME: "test-fn",
    ...env,
  });
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: config.logLevel,
    functionName: config.functionName,
    sink: (line) => void logs.push(JSON.parse(line)),
  });
  const fn = resolveFunction(
    typeof handlerModule === "function" ? { default: handlerModule } : handlerModule,
  );
  const runtime = createRuntime({
    fn,
    config,
    logger,
    metrics: config.metrics ? createRuntimeMetrics(config.functionName) : undefined,
  });
  const address = await runtime.start();
  return { url: `http://127.0.0.1:${address.port}`, runtime, logs, stop: () => runtime.stop() };
}
