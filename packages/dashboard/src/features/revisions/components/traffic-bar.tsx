/**
 * A function's traffic as one bar: a segment per revision that takes a share, as wide as its
 * percent, with its name, percent and tag; tags that take no share are listed under it.
 */
import type { TrafficStatus } from "@eventflow/sdk/client";
import { Tag } from "lucide-react";

/** Segment colours in turn (text stays legible on each, light and dark). */
const COLOURS = [
  "bg-sky-200 text-sky-950 dark:bg-sky-800 dark:text-sky-50",
  "bg-violet-200 text-violet-950 dark:bg-violet-800 dark:text-violet-50",
  "bg-amber-200 text-amber-950 dark:bg-amber-800 dark:text-amber-50",
  "bg-emerald-200 text-emerald-950 dark:bg-emerald-800 dark:text-emerald-50",
] as const;

/** `hello-00004: 90%, tag canary, 2 ready, follows the latest revision`. */
export function segmentText(t: TrafficStatus): string {
  return [
    `${t.name}: ${t.percent}%`,
    ...(t.tag === undefined ? [] : [`tag ${t.tag}`]),
    `${t.ready_replicas} ready`,
    ...(t.latest_revision ? ["follows the latest revision"] : []),
  ].join(", ");
}

/** The bar of `traffic` (`name` labels it). */
export function TrafficBar({ name, traffic }: { name: string; traffic: readonly TrafficStatus[] }) {
  const shares = traffic.filter((t) => t.percent > 0);
  const tagsOnly = traffic.filter((t) => t.percent === 0 && t.tag !== undefined);
  return (
    <div className="space-y-1">
      <ol
        aria-label={`Traffic of ${name}`}
        className="flex h-8 w-full overflow-hidden rounded-md text-xs"
      >
        {shares.map((t, i) => (
          <li
            key={`${t.revision}-${t.tag ?? ""}`}
            data-testid={`traffic-segment-${t.revision}`}
            className={`flex min-w-0 items-center justify-center gap-1 truncate px-1 ${COLOURS[i % COLOURS.length]}`}
            style={{ width: `${t.percent}%` }}
            title={segmentText(t)}
          >
            <span className="sr-only">{segmentText(t)}</span>
            <span aria-hidden className="truncate font-mono">
              {t.name} {t.percent}%{t.tag !== undefined && ` · ${t.tag}`}
            </span>
          </li>
        ))}
      </ol>
      {tagsOnly.length > 0 && (
        <ul aria-label={`Tags of ${name} without a share`} className="flex flex-wrap gap-3 text-xs">
          {tagsOnly.map((t) => (
            <li
              key={t.tag}
              data-testid={`traffic-tag-${t.tag}`}
              className="inline-flex items-center gap-1"
            >
              <Tag aria-hidden size={12} />
              <span className="font-mono">{t.tag}</span> reaches {t.name} alone (0%,{" "}
              {t.ready_replicas} ready)
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
