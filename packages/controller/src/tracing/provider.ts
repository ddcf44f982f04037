/**
 * The controller's OpenTelemetry SDK (@eventflow/telemetry's, shared with the runtime), set up
 * from the parsed OTEL_* config when tracing is on; server.ts imports this module lazily, so
 * with tracing off no SDK code is loaded.
 */
import type { TracingConfig } from "@eventflow/protocol";
import { createTracingSdk, type TracingSdk } from "@eventflow/telemetry";
import { CONTROLLER_VERSION } from "../version.js";

/** The controller's tracer and the SDK's lifecycle. */
export type ControllerTracing = TracingSdk;

/** Sets up and registers the SDK; call only when `config.enabled`. */
export function createControllerTracing(config: TracingConfig): ControllerTracing {
  return createTracingSdk(config, {
    tracerName: "@eventflow/controller",
    serviceVersion: CONTROLLER_VERSION,
  });
}
