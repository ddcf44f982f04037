// The systems under test: each answers GET / with 200 text/plain; charset=utf-8 "Hello, world!".
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "fixtures");
const repoRoot = join(here, "../..");
const nodeModules = join(repoRoot, "node_modules");

/** Absolute path of a package's bin script in the root node_modules (exports hide package.json). */
function binOf(pkg, name) {
  const dir = join(nodeModules, pkg);
  const { bin } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  return join(dir, typeof bin === "string" ? bin : bin[name]);
}

/** The expected answer of every SUT, checked before any measurement. */
export const EXPECTED = {
  status: 200,
  contentType: "text/plain; charset=utf-8",
  body: "Hello, world!",
};

/**
 * SUT definitions. `command(port)` gives `{ cmd, args, env }`; every SUT runs on `node`
 * (this process's Node unless told otherwise). `eventflowBundle` is the esbuild output.
 */
export function defineSuts({
  eventflowBundle,
  node = process.execPath,
  metricsOffArm = false,
  tracing,
}) {
  const eventflowEnv = (port, metrics) => ({
    PORT: String(port),
    EVENTFLOW_FUNCTION_NAME: "hello",
    EVENTFLOW_METRICS: metrics ? "true" : "false",
  });
  const suts = [
    {
      id: "raw",
      label: "node:http (raw)",
      command: (port) => ({
        cmd: node,
        args: [join(fixtures, "raw-http.mjs")],
        env: { PORT: String(port) },
      }),
    },
    {
      id: "eventflow",
      label: "EventFlow runtime (bundled, metrics on)",
      command: (port) => ({ cmd: node, args: [eventflowBundle], env: eventflowEnv(port, true) }),
    },
    {
      id: "fastify",
      label: "fastify 5",
      command: (port) => ({
        cmd: node,
        args: [join(fixtures, "fastify.mjs")],
        env: { PORT: String(port) },
      }),
    },
    {
      id: "functions_framework",
      label: "@google-cloud/functions-framework",
      command: (port) => ({
        cmd: node,
        args: [
          binOf("@google-cloud/functions-framework", "functions-framework"),
          "--target=hello",
          `--source=${join(fixtures, "functions-framework.cjs")}`,
          `--port=${port}`,
        ],
        env: { PORT: String(port), FUNCTION_TARGET: "hello" },
      }),
    },
    {
      id: "faas_js_runtime",
      label: "faas-js-runtime",
      command: (port) => ({
        cmd: node,
        args: [
          binOf("faas-js-runtime"),
          join(fixtures, "faas-js-runtime.cjs"),
          "--port",
          String(port),
        ],
        env: { FUNC_PORT: String(port), FUNC_LOG_LEVEL: "warn" },
      }),
    },
  ];
  // Cold start only (its steady state is the bundled one's): the runtime's bin from tsc output,
  // resolving node_modules at start and loading the handler's .ts (Node >= 22.18 strips types).
  suts.push({
    id: "eventflow_unbundled",
    label: "EventFlow runtime (unbundled bin + .ts handler)",
    coldStartOnly: true,
    command: (port) => ({
      cmd: node,
      args: [
        join(repoRoot, "packages/runtime/dist/bin.js"),
        join(repoRoot, "examples/hello/src/index.ts"),
      ],
      env: eventflowEnv(port, true),
    }),
  });
  if (metricsOffArm) {
    suts.splice(2, 0, {
      id: "eventflow_metrics_off",
      label: "EventFlow runtime (bundled, metrics off)",
      command: (port) => ({ cmd: node, args: [eventflowBundle], env: eventflowEnv(port, false) }),
    });
  }
  // Tracing arms (--tracing): the runtime from before tracing existed, and tracing on with every
  // request sampled and exported over OTLP to a real Jaeger (`tracing.otlpUrl`).
  if (tracing !== undefined) {
    suts.push(
      {
        id: "eventflow_untraced",
        label: "EventFlow runtime (bundled, before tracing existed)",
        command: (port) => ({
          cmd: node,
          args: [tracing.untracedBundle],
          env: eventflowEnv(port, true),
        }),
      },
      {
        id: "eventflow_tracing_on",
        label: "EventFlow runtime (bundled, tracing on, 100% sampled, to Jaeger)",
        command: (port) => ({
          cmd: node,
          args: [eventflowBundle],
          env: {
            ...eventflowEnv(port, true),
            OTEL_TRACES_EXPORTER: "otlp",
            OTEL_EXPORTER_OTLP_ENDPOINT: tracing.otlpUrl,
            OTEL_TRACES_SAMPLER: "always_on",
          },
        }),
      },
    );
  }
  return suts;
}
