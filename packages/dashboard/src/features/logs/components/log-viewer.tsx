/** Log lines with follow (keep scrolled to the end), pause, search, replica filter and download. */
import { Download, Pause, Play } from "lucide-react";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import type { LogRecord } from "../../../lib/api-client.ts";
import { formatClock } from "../../../lib/format.ts";

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
  const [follow, setFollow] = useState(true);
  const [pausedAt, setPausedAt] = useState<number | undefined>(undefined);
  const box = useRef<HTMLDivElement>(null);
  const ids = { search: useId(), replica: useId(), follow: useId(), title: useId() };

  const replicas = useMemo(() => [...new Set(lines.map((l) => l.replica))].sort(), [lines]);
  const shown = useMemo(() => {
    const q = search.toLowerCase();
    return (pausedAt === undefined ? lines : lines.slice(0, pausedAt)).filter(
      (l) => (!replica || l.replica === replica) && (!q || l.line.toLowerCase().includes(q)),
    );
  }, [lines, pausedAt, replica, search]);
  const waiting = pausedAt === undefined ? 0 : lines.length - pausedAt;

  useEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
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
      <div className="flex flex-wrap items-end gap-3">
        <h2 id={ids.title} className="mr-auto text-lg font-semibold">
          Logs{" "}
          <span className="ml-2 text-xs font-normal text-slate-600 dark:text-slate-400">
            {state}
          </span>
        </h2>
        <div className="flex flex-col">
          <label htmlFor={ids.search} className="label">
            Search logs
          </label>
          <input
            id={ids.search}
            type="search"
            className="input w-44"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
        </div>
        <div className="flex flex-col">
          <label htmlFor={ids.replica} className="label">
            Replica
          </label>
          <select
            id={ids.replica}
            className="input w-40"
            value={replica}
            onChange={(e) => setReplica(e.target.value)}
          >
            <option value="">All replicas</option>
            {replicas.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </div>
        <label htmlFor={ids.follow} className="flex items-center gap-1 pb-2 text-sm">
          <input
            id={ids.follow}
            type="checkbox"
            checked={follow}
            onChange={(e) => setFollow(e.target.checked)}
          />{" "}
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
        className="h-72 overflow-y-auto rounded-md bg-slate-950 p-2 font-mono text-xs text-slate-100"
      >
        {shown.length === 0 ? (
          <p className="text-slate-400">
            {lines.length === 0 ? "No log lines yet." : "No line matches."}
          </p>
        ) : (
          shown.map((l, i) => (
            <div key={l.id ?? i} className="whitespace-pre-wrap break-all" data-stream={l.stream}>
              <span className="text-slate-400">{formatClock(l.timestamp)}</span>{" "}
              <span className="text-sky-300">{l.replica}</span>{" "}
              <span className={l.stream === "stderr" ? "text-red-300" : undefined}>{l.line}</span>
            </div>
          ))
        )}
      </div>
    </section>
  );
}
