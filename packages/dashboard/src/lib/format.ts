/**
 * Formatting shared by the pages: one absolute date format and one time format, both in the
 * user's locale (the browser's), relative times where they read better, durations.
 */

/** "5s", "3m", "2h", "4d": how long ago `iso` was, relative to `now` (compact, for tables). */
export function formatAge(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return "-";
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

/** "3 min. ago", "yesterday": how long ago `iso` was, in words of the user's locale. */
export function formatRelative(iso: string, now: number = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (!Number.isFinite(seconds)) return "-";
  const [unit, size] = UNITS.find(([, size]) => Math.abs(seconds) >= size) ?? UNITS[3]!;
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" });
  return rtf.format(Math.trunc(seconds / size), unit);
}

/** "Dec 5, 2026, 9:52 PM" (en-US) or "05.12.2026, 21:52" (de-DE): the pages' one date format. */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** The time of day of `iso` in the user's locale; with seconds for log lines and short ranges. */
export function formatTime(iso: string, seconds = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleTimeString(undefined, {
    hour: "numeric",
    minute: "2-digit",
    ...(seconds ? { second: "2-digit" } : {}),
  });
}

/** Milliseconds with a precision that suits their size. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "-";
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/**
 * An image reference short enough for a table cell: the digest cut to 12 hex digits, then the
 * middle of what is still longer than `max` (the start and the name:tag end stay readable).
 */
export function shortImage(ref: string, max = 48): string {
  const short = ref.replace(/@sha256:([0-9a-f]{12})[0-9a-f]{52}$/, "@sha256:$1…");
  if (short.length <= max) return short;
  const tail = Math.ceil((max - 1) * 0.6);
  return `${short.slice(0, max - 1 - tail)}…${short.slice(-tail)}`;
}

/**
 * A response body as the pages show it: JSON indented when its content type says JSON (and it
 * parses), anything else as it came.
 */
export function prettyBody(body: string, contentType: string | undefined): string {
  if (!/\bjson\b/i.test(contentType ?? "")) return body;
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
