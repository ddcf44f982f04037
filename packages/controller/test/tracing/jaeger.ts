/**
 * Starts the real Jaeger (v2 all-in-one, built by scripts/setup/37-jaeger.sh) with in-memory
 * storage, its OTLP/HTTP receiver and query API on free loopback ports, and reads traces back
 * from its query API. Used by the tracing tests of the controller, the runtime and the benches.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../../../test/registry/index.ts";
import { testenvBinary } from "../../../../test/testenv-binaries.ts";

/** The jaeger binary the setup script built (the version pinned in versions.env). */
export function jaegerBinary(): string {
  return testenvBinary("jaeger");
}

/** A span as Jaeger's query API returns it (the fields the tests read). */
export interface JaegerSpan {
  readonly traceID: string;
  readonly spanID: string;
  readonly operationName: string;
  readonly references: ReadonlyArray<{ refType: string; traceID: string; spanID: string }>;
  readonly tags: ReadonlyArray<{ key: string; value: unknown }>;
  readonly processID: string;
  readonly startTime: number;
  readonly duration: number;
}

/** A trace: its spans and the processes (services) they came from. */
export interface JaegerTrace {
  readonly traceID: string;
  readonly spans: readonly JaegerSpan[];
  readonly processes: Readonly<Record<string, { serviceName: string }>>;
}

/** A running Jaeger. */
export interface Jaeger {
  /** Base URL of the OTLP/HTTP receiver (OTEL_EXPORTER_OTLP_ENDPOINT). */
  readonly otlpUrl: string;
  /** Base URL of the query API and UI. */
  readonly queryUrl: string;
  /** The trace, once it has at least `minSpans` spans (polls up to `timeoutMs`). */
  trace(traceId: string, minSpans: number, timeoutMs?: number): Promise<JaegerTrace>;
  stop(): Promise<void>;
}

function config(otlpHost: string, otlpPort: number, queryHttp: number, queryGrpc: number): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${queryHttp}
    grpc:
      endpoint: 127.0.0.1:${queryGrpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
receivers:
  otlp:
    protocols:
      http:
        endpoint: ${otlpHost}:${otlpPort}
processors:
  batch:
    timeout: 50ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

async function waitReady(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`jaeger exited (${child.exitCode}): ${stderr()}`);
    const ok = await fetch(`${url}/api/services`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`jaeger not ready within 30 s: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts Jaeger on free ports with in-memory storage. The query API listens on 127.0.0.1; the
 * OTLP receiver on `otlpHost` (default 127.0.0.1; the e2e tier gives the bridge gateway so that
 * pods on the real node can export to it).
 */
export async function startJaeger(options: { otlpHost?: string } = {}): Promise<Jaeger> {
  const otlpHost = options.otlpHost ?? "127.0.0.1";
  const dir = mkdtempSync(join(tmpdir(), "eventflow-jaeger-"));
  const [otlp, queryHttp, queryGrpc] = [await freePort(), await freePort(), await freePort()];
  const file = join(dir, "config.yaml");
  writeFileSync(file, config(otlpHost, otlp, queryHttp, queryGrpc));
  const child = spawn(jaegerBinary(), ["--config", file], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (c: Buffer) => {
    err = (err + c.toString()).slice(-4000);
  });
  const queryUrl = `http://127.0.0.1:${queryHttp}`;
  try {
    await waitReady(queryUrl, child, () => err);
  } catch (error) {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    otlpUrl: `http://${otlpHost}:${otlp}`,
    queryUrl,
    async trace(traceId, minSpans, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      let last: JaegerTrace | undefined;
      for (;;) {
        const res = await fetch(`${queryUrl}/api/traces/${traceId}`);
        if (res.ok) {
          const body = (await res.json()) as { data: JaegerTrace[] };
          last = body.data[0];
          if (last !== undefined && last.spans.length >= minSpans) return last;
        } else await res.body?.cancel();
        if (Date.now() > deadline)
          throw new Error(
            `trace ${traceId} has ${last?.spans.length ?? 0} spans, wanted ${minSpans}: ${JSON.stringify(
              last?.spans.map((s) => s.operationName),
            )}`,
          );
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        // In-memory storage has nothing to save: do not wait on a slow graceful stop.
        const kill = setTimeout(() => child.kill("SIGKILL"), 2000);
        await exited;
        clearTimeout(kill);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The parent span id of a span (its CHILD_OF reference), or undefined for a root. */
export function parentOf(span: JaegerSpan): string | undefined {
  return span.references.find((r) => r.refType === "CHILD_OF")?.spanID;
}

/** A tag's value, or undefined. */
export function tagOf(span: JaegerSpan, key: string): unknown {
  return span.tags.find((t) => t.key === key)?.value;
}

/** The service (process) a span of `t` came from. */
export function serviceOf(t: JaegerTrace, span: JaegerSpan): string {
  return t.processes[span.processID]!.serviceName;
}

/** The one span of `t` that `pred` picks; throws, listing every span, when none or several do. */
export function oneSpan(
  t: JaegerTrace,
  pred: (s: JaegerSpan) => boolean,
  what: string,
): JaegerSpan {
  const found = t.spans.filter(pred);
  if (found.length !== 1) {
    const all = JSON.stringify(t.spans.map((s) => [serviceOf(t, s), s.operationName]));
    throw new Error(`${found.length} spans for ${what} (wanted 1) in ${all}`);
  }
  return found[0]!;
}
