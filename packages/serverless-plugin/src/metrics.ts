/**
 * `metrics [-f NAME] [--startTime T]`: invocations, errors, cold starts and the highest p95 of
 * one function, or of each function of the service, over one of the controller's ranges.
 */
import type { MetricsRange } from "@eventflow/protocol";
import { parseStartTime } from "./logs.js";
import type { MappedFunction } from "./service-spec.js";
import { tenantOf, type Session } from "./session.js";

/** The controller's ranges, shortest first, with their length in seconds. */
const RANGES = [
  ["5m", 300],
  ["15m", 900],
  ["1h", 3600],
  ["6h", 21_600],
  ["24h", 86_400],
] as const satisfies readonly (readonly [MetricsRange, number])[];

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/**
 * The shortest range that reaches back to `--startTime` (as `logs` reads it), the longest when
 * none does; `truncated` when even that one starts later.
 */
export function toMetricsRange(
  startTime: string,
  now: Date,
): { range: MetricsRange; truncated: boolean } {
  const since = parseStartTime(startTime);
  const duration = /^([0-9]+)([smhd])$/.exec(since);
  const seconds =
    duration === null
      ? (now.getTime() - Date.parse(since)) / 1000
      : Number(duration[1]) * UNIT_SECONDS[duration[2] as keyof typeof UNIT_SECONDS];
  const fit = RANGES.find(([, length]) => length >= seconds);
  return fit === undefined
    ? { range: RANGES[RANGES.length - 1]![0], truncated: true }
    : { range: fit[0], truncated: false };
}

/** `metrics`: the last hour unless `--startTime`; every function without `-f`. */
export async function showMetrics(session: Session): Promise<void> {
  const { startTime, endTime } = session.options;
  const picked = typeof startTime === "string" ? toMetricsRange(startTime, new Date()) : undefined;
  if (picked?.truncated === true)
    session.io.log.warning(`--startTime: the controller keeps ${picked.range}; showing that`);
  if (endTime !== undefined)
    session.io.log.warning("--endTime: EventFlow's series end now; ignored");
  const fns: readonly MappedFunction[] =
    session.options.function === undefined ? session.mapped.functions : [session.target()];
  const connection = await session.connect();
  const blocks = [];
  for (const fn of fns) {
    const series = await connection.client.metrics(fn.name, {
      tenant: tenantOf(session, connection),
      ...(picked === undefined ? {} : { range: picked.range }),
    });
    const sum = (pick: (p: (typeof series.points)[number]) => number) =>
      series.points.reduce((total, p) => total + pick(p), 0);
    const p95 = series.points.reduce((m, p) => Math.max(m, p.p95_ms ?? 0), 0);
    blocks.push(
      [
        `${fn.key} (${fn.name}), last ${series.range}:`,
        `  invocations: ${sum((p) => p.invocations)}`,
        `  errors (5xx): ${sum((p) => p.errors)}`,
        `  client errors (4xx): ${sum((p) => p.client_errors)}`,
        `  cold starts: ${sum((p) => p.cold_starts)}`,
        `  highest p95: ${p95} ms`,
      ].join("\n"),
    );
  }
  session.io.writeText(blocks.join("\n"));
}
