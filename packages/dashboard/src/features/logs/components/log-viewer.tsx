/**
 * Log lines, parsed: one timestamp, the level in its colour, the message wrapped at word
 * boundaries and the other fields. Follow (keep scrolled to the end), pause, search, level and
 * replica filters, download.
 */
import { Download, Pause, Play } from "lucide-react";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import type { LogRecord } from "../../../lib/api-client.ts";
import { Field, SelectField } from "../../../lib/form-field.tsx";
import { formatTime } from "../../../lib/format.ts";
import { LOG_LEVELS, atLeast, toShownLine, type LogLevel } from "../api/log-line.ts";

const LEVEL_CLASS: Record<LogLevel, string> = {
  debug: "text-slate-400",
  info: "text-sky-300",
  warn: "text-amber-300",
  error: "text-red-300",
};

/** The viewer; `lines` grows while the stream is live. */
export function LogViewer({
  lines,
  name,
  state,
}: {
  lines: readonly LogRecord[];
  name: string;
  state: string;
}) {
  const [search, setSearch] = useState("");
  const [replica, setReplica] = useState("");
  const [level, setLevel] = useState<LogLevel | "">("");
  const [follow, setFollow] = useState(true);
  const [pausedAt, setPausedAt] = useState<number | undefined>(undefined);
  // Whether lines are hidden above the box's top edge: the box then fades its top, so the line
  // cut there (the box rarely ends on a line boundary when it follows the end) reads as "more
  // above", not as a broken line.
  const [hiddenAbove, setHiddenAbove] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const ids = { follow: useId(), title: useId() };

  const parsed = useMemo(() => lines.map((l) => ({ ...l, shown: toShownLine(l) })), [lines]);
  const replicas = useMemo(() => [...new Set(lines.map((l) => l.replica))].sort(), [lines]);
  const shown = useMemo(() => {
    const q = search.toLowerCase();
    return (pausedAt === undefined ? parsed : parsed.slice(0, pausedAt)).filter(
      (l) =>
        (!replica || l.replica === replica) &&
        atLeast(l.shown.level, level || undefined) &&
        (!q || l.line.toLowerCase().includes(q)),
    );
  }, [parsed, pausedAt, replica, level, search]);
  const waiting = pausedAt === undefined ? 0 : lines.length - pausedAt;

  useEffect(() => {
    const el = box.current;
    if (follow && el) el.scrollTop = el.scrollHeight;
    if (el) setHiddenAbove(el.scrollTop > 0);
  }, [shown, follow]);

  const download = () => {
    const text =
      shown.map((l) => `${l.timestamp} ${l.replica} ${l.stream} ${l.line}`).join("\n") + "\n";
    const url = URL.createObjectURL(new Blob([text], { type: "text/plain" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = `${name}-logs.txt`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  return (
    <section className="card space-y-3" aria-labelledby={ids.title}>
      <div className="flex flex-wrap items-end gap-3" data-testid="log-toolbar">
        <h2 id={ids.title} className="mr-auto text-lg font-semibold">
          Logs{" "}
          <span className="ml-2 text-xs font-normal text-slate-600 dark:text-slate-400">
            {state}
          </span>
        </h2>
        <Field label="Search logs">
          {(id) => (
            <input
              id={id}
              type="search"
              className="input w-44"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
          )}
        </Field>
        <SelectField
          label="Level"
          className="w-36"
          value={level}
          onChange={setLevel}
          options={[
            { value: "", label: "All levels" },
            ...LOG_LEVELS.slice(1).map((l) => ({ value: l, label: `${l} and above` })),
          ]}
        />
        <SelectField
          label="Replica"
          className="w-40"
          value={replica}
          onChange={setReplica}
          options={[{ value: "", label: "All replicas" }, ...replicas]}
        />
        <label htmlFor={ids.follow} className="btn">
          <input
            id={ids.follow}
            type="checkbox"
            checked={follow}
            onChange={(e) => setFollow(e.target.checked)}
          />
          Follow
        </label>
        <button
          type="button"
          className="btn"
          aria-pressed={pausedAt !== undefined}
          onClick={() => setPausedAt((p) => (p === undefined ? lines.length : undefined))}
        >
          {pausedAt === undefined ? (
            <Pause aria-hidden size={16} />
          ) : (
            <Play aria-hidden size={16} />
          )}
          {pausedAt === undefined ? "Pause" : `Resume${waiting ? ` (${waiting} new)` : ""}`}
        </button>
        <button type="button" className="btn" onClick={download} disabled={shown.length === 0}>
          <Download aria-hidden size={16} /> Download
        </button>
      </div>
      <div
        ref={box}
        role="log"
        aria-label={`Log lines of ${name}`}
        tabIndex={0}
        data-hidden-above={hiddenAbove || undefined}
        onScroll={(e) => setHiddenAbove(e.currentTarget.scrollTop > 0)}
        className="h-72 space-y-0.5 overflow-y-auto rounded-md bg-slate-950 p-2 font-mono text-xs leading-5 text-slate-100"
      >
        {hiddenAbove && (
          <div
            aria-hidden
            data-testid="log-fade"
            className="pointer-events-none sticky -top-2 -mx-2 -mt-2 -mb-6 h-8 bg-gradient-to-b from-slate-950 to-transparent"
          />
        )}
        {shown.length === 0 ? (
          <p className="text-slate-400">
            {lines.length === 0 ? "No log lines yet." : "No line matches."}
          </p>
        ) : (
          shown.map((l, i) => (
            <div
              key={l.id ?? i}
              className="flex gap-2"
              data-stream={l.stream}
              data-level={l.shown.level}
            >
              <time dateTime={l.timestamp} className="shrink-0 text-slate-400">
                {formatTime(l.timestamp, true)}
              </time>
              {replicas.length > 1 && <span className="shrink-0 text-slate-400">{l.replica}</span>}
              <span
                className={`w-10 shrink-0 font-semibold uppercase ${LEVEL_CLASS[l.shown.level]}`}
              >
                {l.shown.level}
              </span>
              <span className="min-w-0 break-words whitespace-pre-wrap">
                <span data-testid="log-message">{l.shown.message}</span>
                {l.shown.extra && <span className="text-slate-400"> {l.shown.extra}</span>}
              </span>
            </div>
          ))
        )}
      </div>
    </section>
  );
}
