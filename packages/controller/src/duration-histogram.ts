/**
 * `eventflow_function_duration_seconds` counted in plain numbers: each series (a revision of a
 * function) keeps its own bucket counts, so an observation is a bucket search and three
 * additions, with no label-set hash or label validation per invoke as prom-client's Histogram
 * does. The registry gets the series when `/metrics` is scraped, in the shape prom-client's own
 * histograms hand to its formatter, so the text (exemplars included) is the same.
 */
import type { Histogram, Registry } from "prom-client";

/** An OpenMetrics exemplar: the trace of one observation in a bucket. */
interface Exemplar {
  labelSet: Readonly<Record<string, string>>;
  value: number;
  /** Unix seconds (prom-client's form). */
  timestamp: number;
}

/** One series' counts. */
export interface DurationSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** Per bucket (not cumulative); the last one is `+Inf`. */
  readonly counts: Float64Array;
  /** The latest exemplar per bucket, when exemplars are on. */
  readonly exemplars: (Exemplar | undefined)[] | undefined;
  sum: number;
  count: number;
}

/** What {@link createDurationHistogram} returns. */
export interface DurationHistogram {
  /** A new series, counted once {@link DurationHistogram.observe} is called on it. */
  series(labels: Readonly<Record<string, string>>): DurationSeries;
  /**
   * Counts `seconds` in `series`; `exemplar` (a trace's ids) replaces its bucket's exemplar
   * when exemplars are on.
   */
  observe(
    series: DurationSeries,
    seconds: number,
    exemplar?: Readonly<Record<string, string>>,
  ): void;
}

/** One value as prom-client's registry formats it. */
interface Value {
  readonly labels: Record<string, string | number>;
  readonly sharedLabels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly metricName: string;
  readonly exemplar?: Exemplar | null;
}

/**
 * Registers the histogram in `registry`. `live()` lists the series to show (the caller owns
 * them: a series it no longer lists is gone from the next scrape).
 */
export function createDurationHistogram(options: {
  readonly name: string;
  readonly help: string;
  /** Upper bounds in seconds, ascending. */
  readonly buckets: readonly number[];
  readonly registry: Registry;
  readonly exemplars: boolean;
  readonly live: () => Iterable<DurationSeries>;
}): DurationHistogram {
  const { name, help, buckets } = options;
  const bucketName = `${name}_bucket`;

  function values(): Value[] {
    const out: Value[] = [];
    for (const s of options.live()) {
      if (s.count === 0) continue;
      let cumulative = 0;
      for (let i = 0; i < buckets.length; i++) {
        cumulative += s.counts[i]!;
        out.push({
          labels: { le: buckets[i]! },
          sharedLabels: s.labels,
          value: cumulative,
          metricName: bucketName,
          exemplar: s.exemplars?.[i] ?? null,
        });
      }
      out.push(
        {
          labels: { le: "+Inf" },
          sharedLabels: s.labels,
          value: s.count,
          metricName: bucketName,
          exemplar: s.exemplars?.[buckets.length] ?? null,
        },
        { labels: {}, sharedLabels: s.labels, value: s.sum, metricName: `${name}_sum` },
        { labels: {}, sharedLabels: s.labels, value: s.count, metricName: `${name}_count` },
      );
    }
    return out;
  }

  const metric = {
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    getForPromString: async () => ({
      name,
      help,
      type: "histogram",
      aggregator: "sum",
      values: values(),
    }),
    // The JSON form carries each value's series labels in `labels` (prom-client's `get`).
    get: async () => ({
      name,
      help,
      type: "histogram",
      aggregator: "sum",
      values: values().map(({ sharedLabels, labels, ...rest }) => ({
        ...rest,
        labels: { ...labels, ...sharedLabels },
      })),
    }),
    reset() {
      for (const s of options.live()) {
        s.counts.fill(0);
        s.exemplars?.fill(undefined);
        s.sum = 0;
        s.count = 0;
      }
    },
  };
  // The registry formats any metric with this shape; its types list only prom-client's classes.
  options.registry.registerMetric(metric as unknown as Histogram);

  return {
    series: (labels) => ({
      labels,
      counts: new Float64Array(buckets.length + 1),
      exemplars: options.exemplars
        ? new Array<Exemplar | undefined>(buckets.length + 1)
        : undefined,
      sum: 0,
      count: 0,
    }),
    observe(s, seconds, exemplar) {
      let i = 0;
      while (i < buckets.length && seconds > buckets[i]!) i++;
      s.counts[i]!++;
      s.sum += seconds;
      s.count++;
      if (exemplar !== undefined && s.exemplars !== undefined)
        s.exemplars[i] = { labelSet: exemplar, value: seconds, timestamp: Date.now() / 1000 };
    },
  };
}
