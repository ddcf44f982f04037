/** The controller's pino logger: JSON lines, secrets and credentials redacted. */
import { pino, type DestinationStream, type Logger } from "pino";
import { activeTraceFields } from "./tracing/active.js";

/** Paths pino censors wherever they appear in a log object. */
export const REDACT_PATHS = [
  "authorization",
  "cookie",
  "token",
  "jwtSecret",
  "*.authorization",
  "*.cookie",
  "*.token",
  "*.jwtSecret",
  "headers.authorization",
  "headers.cookie",
  'headers["set-cookie"]',
  "req.headers.authorization",
  "req.headers.cookie",
  'res.headers["set-cookie"]',
  "config.auth.jwtSecret",
  "auth.jwtSecret",
  // Registry credentials (auth files, credential helpers) if an error ever carries them.
  "password",
  "*.password",
  "identitytoken",
  "*.identitytoken",
  "identityToken",
  "*.identityToken",
];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Tracing is on: lines written inside a span carry its `trace_id` and `span_id`. */
  readonly traceIds?: boolean;
}

/** Creates the logger; tests pass a destination to read what was logged. */
export function createLogger(
  level: string,
  destination?: DestinationStream,
  extra: LoggerOptions = {},
): Logger {
  const options = {
    level,
    ...(extra.traceIds === true ? { mixin: activeTraceFields } : {}),
    base: { service: "eventflow-controller" },
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
