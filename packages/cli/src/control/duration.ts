/** Durations of the CLI's flags (`--timeout 90s`, `--ttl 12h`): one parser, one set of units. */
import { EventFlowError } from "@eventflow/protocol";

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Parses `500ms`, `90s`, `5m`, `2h`, `7d` or a whole number of seconds into milliseconds; any
 * other text is CLI_USAGE naming the flag (never silently a default).
 */
export function parseDuration(flag: string, text: string): number {
  const match = /^([0-9]+)(ms|s|m|h|d)?$/.exec(text.trim());
  if (match === null)
    throw new EventFlowError(
      "CLI_USAGE",
      `${flag} takes a duration such as 90s, 5m, 2h or 7d, got ${JSON.stringify(text)}`,
    );
  return Number(match[1]) * UNIT_MS[(match[2] ?? "s") as keyof typeof UNIT_MS];
}
