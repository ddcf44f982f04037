/**
 * The lines the controller prints for a person when its stdout is a terminal (pure): where the
 * API and the dashboard are and how to log in. The JSON logs stay as they are.
 */

/** What the banner tells. */
export interface BannerFacts {
  readonly version: string;
  readonly url: string;
  readonly metricsUrl: string | undefined;
  readonly driver: string;
  readonly devAuth: boolean;
  /** Whether the dashboard's build is there to be served at `/`. */
  readonly dashboard: boolean;
  /** The local driver's data directory. */
  readonly dataDir?: string | undefined;
}

/** `EventFlow controller 0.1.0 (local driver)`, then the URLs and the first command to run. */
export function buildBanner(facts: BannerFacts): string {
  const rows: Array<[string, string]> = [
    ["API", facts.url],
    [
      "Dashboard",
      facts.dashboard
        ? `${facts.url}/`
        : "not built (npm run build -w @eventflow/dashboard, then restart)",
    ],
  ];
  if (facts.metricsUrl !== undefined) rows.push(["Metrics", `${facts.metricsUrl}/metrics`]);
  if (facts.dataDir !== undefined) rows.push(["Data", facts.dataDir]);
  rows.push([
    "Log in",
    facts.devAuth
      ? `eventflow login --url ${facts.url} --dev`
      : `eventflow login --url ${facts.url} --token TOKEN`,
  ]);
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    `EventFlow controller ${facts.version} (${facts.driver} driver)`,
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    "Ctrl-C stops it.",
    "",
  ].join("\n");
}
