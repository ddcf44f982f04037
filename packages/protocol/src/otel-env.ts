/**
 * The standard OpenTelemetry trace variables (OTEL_*), read the same way by the controller's
 * and the runtime's config. Pure: no I/O, no OpenTelemetry import; the SDK is loaded only by a
 * process whose config says tracing is on.
 */
import type { FieldIssue } from "./errors.js";

/** The samplers of the OpenTelemetry environment specification. */
export const OTEL_SAMPLERS = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
] as const;

/** One of {@link OTEL_SAMPLERS}. */
export type OtelSampler = (typeof OTEL_SAMPLERS)[number];

/** Trace export settings; `enabled: false` means no SDK is loaded and no span is made. */
export interface TracingConfig {
  readonly enabled: boolean;
  /** `otlp` (OTLP over HTTP) or `console` (spans printed on stderr, for debugging). */
  readonly exporter: "otlp" | "console" | "none";
  /**
   * OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL: `http/protobuf` (the specification's default) or
   * `http/json`; `grpc` is not offered.
   */
  readonly protocol: "http/protobuf" | "http/json";
  /** Where spans are posted: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`. */
  readonly endpoint: string;
  /** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, `key=value,...` with values percent-decoded. */
  readonly headers: Readonly<Record<string, string>>;
  readonly sampler: OtelSampler;
  /** OTEL_TRACES_SAMPLER_ARG for the ratio samplers (default 1). */
  readonly samplerRatio: number;
  /** OTEL_SERVICE_NAME, else `service.name` of OTEL_RESOURCE_ATTRIBUTES, else the process's default. */
  readonly serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES (`key=value,...`, percent-decoded), without `service.name`. */
  readonly resourceAttributes: Readonly<Record<string, string>>;
}

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_ENDPOINT = "http://localhost:4318";

function value(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === "" ? undefined : v;
}

/** `key=value,key2=value2` as the W3C baggage-like lists OTEL_* use; undefined when malformed. */
function parseList(raw: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const item of raw.split(",")) {
    if (item.trim() === "") continue;
    const eq = item.indexOf("=");
    if (eq <= 0) return undefined;
    const key = item.slice(0, eq).trim();
    try {
      out[key] = decodeURIComponent(item.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
    if (key === "") return undefined;
  }
  return out;
}

function isHttpUrl(raw: string): boolean {
  if (!URL.canParse(raw)) return false;
  const protocol = new URL(raw).protocol;
  return protocol === "http:" || protocol === "https:";
}

/**
 * Reads the OTEL_* trace variables. Tracing is on when OTEL_TRACES_EXPORTER is `otlp` or
 * `console`, or when it is unset and an OTLP endpoint is given; OTEL_SDK_DISABLED=true turns
 * it off. Problems are pushed onto `issues` (one per bad variable), so that the caller reports
 * them with its own.
 */
export function parseTracingEnv(
  env: Env,
  defaults: { readonly serviceName: string },
  issues: FieldIssue[],
): TracingConfig {
  const exporterRaw = value(env, "OTEL_TRACES_EXPORTER")?.toLowerCase();
  const tracesEndpoint = value(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  const baseEndpoint = value(env, "OTEL_EXPORTER_OTLP_ENDPOINT");
  let exporter: TracingConfig["exporter"] = "none";
  if (exporterRaw === undefined) {
    if (tracesEndpoint !== undefined || baseEndpoint !== undefined) exporter = "otlp";
  } else if (exporterRaw === "otlp" || exporterRaw === "console" || exporterRaw === "none") {
    exporter = exporterRaw;
  } else {
    issues.push({
      path: "OTEL_TRACES_EXPORTER",
      message: `must be otlp, console or none (got ${JSON.stringify(exporterRaw)})`,
    });
  }

  let endpoint = `${DEFAULT_ENDPOINT}/v1/traces`;
  if (tracesEndpoint !== undefined) {
    if (isHttpUrl(tracesEndpoint)) endpoint = tracesEndpoint;
    else
      issues.push({
        path: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        message: "must be an http(s) URL",
      });
  } else if (baseEndpoint !== undefined) {
    if (isHttpUrl(baseEndpoint)) endpoint = `${baseEndpoint.replace(/\/+$/, "")}/v1/traces`;
    else issues.push({ path: "OTEL_EXPORTER_OTLP_ENDPOINT", message: "must be an http(s) URL" });
  }

  let protocol: TracingConfig["protocol"] = "http/protobuf";
  const protocolName = value(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
    ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
    : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const protocolRaw = value(env, protocolName)?.toLowerCase();
  if (protocolRaw === "http/json" || protocolRaw === "http/protobuf") protocol = protocolRaw;
  else if (protocolRaw !== undefined)
    issues.push({
      path: protocolName,
      message: `must be http/protobuf or http/json (got ${JSON.stringify(protocolRaw)})`,
    });

  const headers: Record<string, string> = {};
  for (const name of ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_HEADERS"]) {
    const raw = value(env, name);
    if (raw === undefined) continue;
    const parsed = parseList(raw);
    if (parsed === undefined)
      issues.push({ path: name, message: "must be key=value pairs separated by commas" });
    else Object.assign(headers, parsed);
  }

  const samplerRaw = value(env, "OTEL_TRACES_SAMPLER")?.toLowerCase() ?? "parentbased_always_on";
  let sampler: OtelSampler = "parentbased_always_on";
  if ((OTEL_SAMPLERS as readonly string[]).includes(samplerRaw))
    sampler = samplerRaw as OtelSampler;
  else
    issues.push({
      path: "OTEL_TRACES_SAMPLER",
      message: `must be one of ${OTEL_SAMPLERS.join(", ")} (got ${JSON.stringify(samplerRaw)})`,
    });

  let samplerRatio = 1;
  const ratioRaw = value(env, "OTEL_TRACES_SAMPLER_ARG");
  if (ratioRaw !== undefined && sampler.endsWith("traceidratio")) {
    const ratio = Number(ratioRaw);
    if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) samplerRatio = ratio;
    else
      issues.push({
        path: "OTEL_TRACES_SAMPLER_ARG",
        message: `must be a number from 0 to 1 (got ${JSON.stringify(ratioRaw)})`,
      });
  }

  let resourceAttributes: Record<string, string> = {};
  const attrsRaw = value(env, "OTEL_RESOURCE_ATTRIBUTES");
  if (attrsRaw !== undefined) {
    const parsed = parseList(attrsRaw);
    if (parsed === undefined)
      issues.push({
        path: "OTEL_RESOURCE_ATTRIBUTES",
        message: "must be key=value pairs separated by commas",
      });
    else resourceAttributes = parsed;
  }
  const { "service.name": fromAttributes, ...attributes } = resourceAttributes;
  const serviceName = value(env, "OTEL_SERVICE_NAME") ?? fromAttributes ?? defaults.serviceName;
  const disabled = value(env, "OTEL_SDK_DISABLED")?.toLowerCase() === "true";

  return Object.freeze({
    enabled: !disabled && exporter !== "none",
    exporter,
    protocol,
    endpoint,
    headers: Object.freeze(headers),
    sampler,
    samplerRatio,
    serviceName,
    resourceAttributes: Object.freeze(attributes),
  });
}
