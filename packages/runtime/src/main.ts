import { isEventFlowError } from "@eventflow/protocol";
import { resolveFunction, type ResolvedFunction } from "@eventflow/sdk/internal";
import { parseRuntimeConfig, type RuntimeConfig } from "./config.js";
import { HandlerLoadError, loadHandlerFile, nameFromSource } from "./load.js";
import { captureConsole, createLogger, type RuntimeLogger } from "./logger.js";
import { createRuntimeMetrics } from "./metrics.js";
import { createRuntime, type Runtime } from "./server.js";
import { loadTracing, type RuntimeTracing } from "./tracing.js";

/** How {@link runMain} finds the handler: exactly one of `module`, `load` or `file`. */
export interface MainOptions {
  /** The already-imported handler module (the CLI's bundle entry passes this). */
  readonly module?: unknown;
  /** Imports the handler module; a throw is reported as a load failure. */
  readonly load?: () => Promise<unknown>;
  /** Path of a handler file to import (the `eventflow-runtime` bin). */
  readonly file?: string;
  /** Name of the handler source for messages and the default function name. */
  readonly source?: string;
  /** Environment to read the configuration from; default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Exit codes of the runtime process. */
export const EXIT = { ok: 0, failed: 1, config: 2 } as const;

function fatal(message: string, fields: Record<string, unknown>, code: number): never {
  process.stderr.write(
    JSON.stringify({ level: "error", time: new Date().toISOString(), msg: message, ...fields }) +
      "\n",
  );
  process.exit(code);
}

async function loadFunction(options: MainOptions, source: string): Promise<ResolvedFunction> {
  // A handler imported from here on gets stacks in its own sources when it has a source map.
  // A bundle (`module`) was loaded before this runs: its process needs --enable-source-maps,
  // which the image's entrypoint and the local driver pass.
  process.setSourceMapsEnabled(true);
  let mod: unknown;
  if (options.module !== undefined) mod = options.module;
  else if (options.load !== undefined) {
    try {
      mod = await options.load();
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new HandlerLoadError(`handler module ${source} threw while loading: ${message}`, {
        cause: error,
      });
    }
  } else if (options.file !== undefined) mod = await loadHandlerFile(options.file);
  else throw new HandlerLoadError("runMain() needs one of module, load or file", {});
  return resolveFunction(mod, source);
}

function installSignals(
  runtime: Runtime,
  logger: RuntimeLogger,
  tracing: RuntimeTracing | undefined,
): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.write(
        "warn",
        `second ${signal}: exiting now`,
        { inFlight: runtime.inFlight },
        undefined,
      );
      process.exit(signal === "SIGINT" ? 130 : EXIT.failed);
    }
    stopping = true;
    logger.write(
      "info",
      `${signal} received: shutting down`,
      { inFlight: runtime.inFlight },
      undefined,
    );
    // Spans still buffered are exported before the process exits (bounded by the exporter's timeout).
    const stopped = runtime.stop().then(async (clean) => {
      await tracing?.shutdown().catch(() => undefined);
      return clean;
    });
    stopped.then(
      (clean) => {
        logger.write(
          clean ? "info" : "error",
          clean ? "stopped" : "stopped with work cut short",
          {},
          undefined,
        );
        process.exit(clean ? EXIT.ok : EXIT.failed);
      },
      (error: unknown) => {
        logger.write("error", "shutdown failed", { err: error }, undefined);
        process.exit(EXIT.failed);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/**
 * Runs a function the way its container does: reads the configuration from the environment,
 * loads the handler, runs `init`, listens on PORT, and shuts down gracefully on SIGTERM.
 * Failures before listening print one JSON line on stderr and exit non-zero
 * (2 for configuration, 1 for the handler module or init).
 */
export async function runMain(options: MainOptions): Promise<Runtime> {
  const source = options.source ?? options.file ?? "handler";
  let config: RuntimeConfig;
  try {
    config = parseRuntimeConfig(options.env ?? process.env, {
      functionName: nameFromSource(options.source ?? options.file),
    });
  } catch (error) {
    const details = isEventFlowError(error) ? error.details : undefined;
    fatal((error as Error).message, { code: "CONFIG_INVALID", details }, EXIT.config);
  }
  // The replica key is the platform's, not the function's: gone before the handler loads.
  if (options.env === undefined) delete process.env.EVENTFLOW_REPLICA_KEY;
  // Tracing off: the OpenTelemetry SDK is never imported.
  let tracing: RuntimeTracing | undefined;
  if (config.tracing.enabled) {
    try {
      tracing = await loadTracing({ config: config.tracing, functionName: config.functionName });
    } catch (error) {
      fatal(
        `tracing could not be set up: ${(error as Error).message}`,
        { function: config.functionName },
        EXIT.failed,
      );
    }
  }
  const logger = createLogger({
    level: config.logLevel,
    functionName: config.functionName,
    ...(tracing === undefined ? {} : { traceIds: tracing.activeIds }),
  });
  captureConsole(logger);

  let fn: ResolvedFunction;
  try {
    fn = await loadFunction(options, source);
  } catch (error) {
    const location = error instanceof HandlerLoadError ? error.location : undefined;
    fatal(
      (error as Error).message,
      { function: config.functionName, location, err: String((error as Error).cause ?? "") },
      EXIT.failed,
    );
  }

  const metrics = config.metrics ? createRuntimeMetrics(config.functionName) : undefined;
  const runtime = createRuntime({ fn, config, logger, metrics, tracing });
  process.on("unhandledRejection", (reason) => {
    logger.write("error", "unhandled promise rejection (kept running)", { err: reason }, undefined);
  });
  try {
    const address = await runtime.start();
    const coldStartMs = performance.now();
    metrics?.setColdStart(coldStartMs / 1000);
    logger.write(
      "info",
      "ready",
      { port: address.port, coldStartMs: Math.round(coldStartMs), node: process.version },
      undefined,
    );
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message =
      code === "EADDRINUSE"
        ? `port ${config.port} is already in use`
        : `start failed: ${(error as Error).message}`;
    fatal(
      message,
      { function: config.functionName, err: error instanceof Error ? error.stack : String(error) },
      EXIT.failed,
    );
  }
  installSignals(runtime, logger, tracing);
  return runtime;
}
