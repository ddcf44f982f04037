/** The functions list: filter by text and status, sort by any column, an empty state for newcomers. */
import { FUNCTION_PHASES, type FunctionPhase, type FunctionStatus } from "@eventflow/protocol";
import { ArrowDown, ArrowUp, Rocket } from "lucide-react";
import { useMemo, useState, type ReactNode } from "react";
import { shortImage } from "../../../lib/format.ts";
import { Age, EmptyList, ListTable } from "../../../lib/list-page.tsx";
import { Link } from "../../../lib/router.tsx";
import { PublicBadge } from "./public-badge.tsx";
import { StatusBadge } from "./status-badge.tsx";

/** Invocations and errors of one function in the last minutes. */
export interface RecentStats {
  readonly invocations: number;
  readonly errors: number;
}

type SortKey = "name" | "image" | "status" | "ready" | "invocations" | "errors" | "age";

// Status and Ready next to the name, so they stay on a phone's screen; Image and Age (wide,
// and on the detail page anyway) only from the md breakpoint on.
const WIDE_ONLY = "hidden md:table-cell";
const COLUMNS: { key: SortKey; label: string; className?: string }[] = [
  { key: "name", label: "Name" },
  { key: "status", label: "Status" },
  { key: "ready", label: "Ready" },
  { key: "invocations", label: "Invocations (5m)" },
  { key: "errors", label: "Errors (5m)" },
  { key: "image", label: "Image", className: WIDE_ONLY },
  { key: "age", label: "Age", className: WIDE_ONLY },
];

function sortValue(
  fn: FunctionStatus,
  key: SortKey,
  stats: RecentStats | undefined,
): string | number {
  switch (key) {
    case "name":
      return fn.name;
    case "image":
      return fn.image;
    case "status":
      return fn.status;
    case "ready":
      return fn.ready_replicas;
    case "invocations":
      return stats?.invocations ?? -1;
    case "errors":
      return stats?.errors ?? -1;
    case "age":
      return -Date.parse(fn.created_at);
  }
}

/** The table; `stats` maps names to recent numbers (missing while loading). */
export function FunctionsTable(props: {
  functions: readonly FunctionStatus[];
  stats?: Readonly<Record<string, RecentStats>>;
  canCreate: boolean;
  now?: number;
}): ReactNode {
  const { functions, stats = {}, canCreate, now = Date.now() } = props;
  const [query, setQuery] = useState("");
  const [phase, setPhase] = useState<FunctionPhase | "">("");
  const [sort, setSort] = useState<{ key: SortKey; dir: 1 | -1 }>({ key: "name", dir: 1 });

  const rows = useMemo(() => {
    const q = query.trim().toLowerCase();
    return functions
      .filter(
        (f) =>
          (!q || f.name.includes(q) || f.image.toLowerCase().includes(q)) &&
          (!phase || f.status === phase),
      )
      .toSorted((a, b) => {
        const x = sortValue(a, sort.key, stats[a.name]);
        const y = sortValue(b, sort.key, stats[b.name]);
        return (x < y ? -1 : x > y ? 1 : 0) * sort.dir;
      });
  }, [functions, query, phase, sort, stats]);

  if (functions.length === 0) {
    return (
      <EmptyList
        icon={Rocket}
        title="No functions yet"
        create={canCreate && { href: "/functions/new", label: "Create your first function" }}
      >
        Build an image with{" "}
        <code className="code">eventflow build ./my-function --output oci:./out</code> (or push one
        to a registry), then create a function from it. It shows up here as soon as it deploys.
      </EmptyList>
    );
  }

  const toggle = (key: SortKey) =>
    setSort((s) => ({ key, dir: s.key === key ? (-s.dir as 1 | -1) : 1 }));

  return (
    <section aria-label="Functions">
      <div className="mb-3 flex flex-wrap items-end gap-3">
        <label className="flex flex-col text-sm">
          <span className="label">Filter</span>
          <input
            className="input w-56"
            type="search"
            placeholder="name or image"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
        <label className="flex flex-col text-sm">
          <span className="label">Status</span>
          <select
            className="input w-40"
            value={phase}
            onChange={(e) => setPhase(e.target.value as FunctionPhase | "")}
          >
            <option value="">Any</option>
            {FUNCTION_PHASES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <p className="ml-auto text-sm text-slate-600 dark:text-slate-300" aria-live="polite">
          {rows.length} of {functions.length}
        </p>
      </div>
      <ListTable
        head={COLUMNS.map((c) => (
          <th
            key={c.key}
            scope="col"
            className={`px-3 py-2 font-medium ${c.className ?? ""}`}
            aria-sort={sort.key === c.key ? (sort.dir === 1 ? "ascending" : "descending") : "none"}
          >
            <button
              type="button"
              className="inline-flex items-center gap-1 hover:underline"
              onClick={() => toggle(c.key)}
            >
              {c.label}
              {sort.key === c.key &&
                (sort.dir === 1 ? (
                  <ArrowUp aria-hidden size={12} />
                ) : (
                  <ArrowDown aria-hidden size={12} />
                ))}
            </button>
          </th>
        ))}
      >
        {rows.length === 0 && (
          <tr>
            <td
              colSpan={COLUMNS.length}
              className="px-3 py-6 text-center text-slate-600 dark:text-slate-300"
            >
              No function matches the filter.
            </td>
          </tr>
        )}
        {rows.map((f) => (
          <tr
            key={`${f.tenant}/${f.name}`}
            className="border-t border-slate-200 dark:border-slate-800"
          >
            <td className="px-3 py-2 font-medium">
              <Link
                href={`/functions/${encodeURIComponent(f.name)}`}
                className="text-sky-700 underline-offset-2 hover:underline dark:text-sky-300"
              >
                {f.name}
              </Link>{" "}
              <PublicBadge auth={f.spec.auth} />
            </td>
            <td className="px-3 py-2">
              <StatusBadge status={f.status} reason={f.last_error?.message} />
            </td>
            <td className="px-3 py-2 tabular-nums">
              {f.ready_replicas}/{f.replicas}
            </td>
            <td className="px-3 py-2 tabular-nums">{stats[f.name]?.invocations ?? "-"}</td>
            <td className="px-3 py-2 tabular-nums">{stats[f.name]?.errors ?? "-"}</td>
            <td
              className={`px-3 py-2 font-mono text-xs whitespace-nowrap ${WIDE_ONLY}`}
              title={f.image}
              data-testid="image"
            >
              {shortImage(f.image)}
            </td>
            <td className={`px-3 py-2 tabular-nums ${WIDE_ONLY}`}>
              <Age iso={f.created_at} now={now} />
            </td>
          </tr>
        ))}
      </ListTable>
    </section>
  );
}
