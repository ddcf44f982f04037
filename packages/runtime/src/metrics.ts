/**
 * Invocation metrics in the Prometheus text format, hand-written to keep the runtime free of
 * dependencies (it is bundled into every function image) and cheap per request.
 */

const BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
] as const;
const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;

/** Counters the runtime updates per invocation. */
export interface RuntimeMetrics {
  /** Records one finished invocation. */
  observe(status: number, seconds: number): void;
  /** Records the time from process start to ready. */
  setColdStart(seconds: number): void;
  /**
   * Renders the exposition text; `inFlight` and `load` (requests started and
   * concurrency-seconds, the counters of `/_eventflow/stats`) are read at scrape time.
   */
  render(
    inFlight: number,
    load?: { readonly requests: number; readonly concurrencySeconds: number },
  ): string;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Creates the metrics for one function process. */
export function createRuntimeMetrics(functionName: string): RuntimeMetrics {
  const counts = [0, 0, 0, 0, 0];
  const buckets = new Array<number>(BUCKETS.length).fill(0);
  let sum = 0;
  let count = 0;
  let coldStart: number | undefined;
  const fn = `function="${escapeLabel(functionName)}"`;

  return {
    observe(status, seconds) {
      const cls = Math.floor(status / 100) - 1;
      if (cls >= 0 && cls < 5) counts[cls]!++;
      sum += seconds;
      count++;
      for (let i = 0; i < BUCKETS.length; i++) {
        if (seconds <= BUCKETS[i]!) {
          buckets[i]!++;
          break;
        }
      }
    },
    setColdStart(seconds) {
      coldStart = seconds;
    },
    render(inFlight, load) {
      const lines: string[] = [
        "# HELP eventflow_runtime_invocations_total Invocations handled, by status class.",
        "# TYPE eventflow_runtime_invocations_total counter",
      ];
      CLASSES.forEach((c, i) =>
        lines.push(`eventflow_runtime_invocations_total{${fn},code="${c}"} ${counts[i]}`),
      );
      lines.push(
        "# HELP eventflow_runtime_invocation_duration_seconds Time from request to response end.",
        "# TYPE eventflow_runtime_invocation_duration_seconds histogram",
      );
      let cumulative = 0;
      BUCKETS.forEach((le, i) => {
        cumulative += buckets[i]!;
        lines.push(
          `eventflow_runtime_invocation_duration_seconds_bucket{${fn},le="${le}"} ${cumulative}`,
        );
      });
      lines.push(
        `eventflow_runtime_invocation_duration_seconds_bucket{${fn},le="+Inf"} ${count}`,
        `eventflow_runtime_invocation_duration_seconds_sum{${fn}} ${sum}`,
        `eventflow_runtime_invocation_duration_seconds_count{${fn}} ${count}`,
        "# HELP eventflow_runtime_in_flight Invocations in progress.",
        "# TYPE eventflow_runtime_in_flight gauge",
        `eventflow_runtime_in_flight{${fn}} ${inFlight}`,
      );
      if (load !== undefined) {
        lines.push(
          "# HELP eventflow_runtime_invocations_started_total Invocations taken by the handler.",
          "# TYPE eventflow_runtime_invocations_started_total counter",
          `eventflow_runtime_invocations_started_total{${fn}} ${load.requests}`,
          "# HELP eventflow_runtime_concurrency_seconds_total Time integral of invocations in flight.",
          "# TYPE eventflow_runtime_concurrency_seconds_total counter",
          `eventflow_runtime_concurrency_seconds_total{${fn}} ${load.concurrencySeconds}`,
        );
      }
      if (coldStart !== undefined) {
        lines.push(
          "# HELP eventflow_runtime_cold_start_seconds Time from process start to ready to serve.",
          "# TYPE eventflow_runtime_cold_start_seconds gauge",
          `eventflow_runtime_cold_start_seconds{${fn}} ${coldStart}`,
        );
      }
      return lines.join("\n") + "\n";
    },
  };
}
