/**
 * The parts of a list page: the heading (title, the create link for writers, the list's loading
 * or error), the empty state, the table frame and a row's age.
 */
import type { UseQueryResult } from "@tanstack/react-query";
import { Plus, type LucideIcon } from "lucide-react";
import { useId, type ReactNode } from "react";
import { formatAge, formatDateTime } from "./format.ts";
import { Link } from "./router.tsx";
import { errorText } from "./server-errors.ts";

/** The link to a create page, or false where the user may not create (a reader). */
export type CreateLink = false | { href: string; label: string };

/** The heading of the list page `title`. */
export function ListHeading(props: {
  title: string;
  create: CreateLink;
  list: Pick<UseQueryResult, "isPending" | "isError" | "error">;
}) {
  const { create, list } = props;
  const what = props.title.toLowerCase();
  return (
    <>
      <div className="mb-4 flex items-center gap-3">
        <h1 className="mr-auto text-2xl font-semibold">{props.title}</h1>
        {create && (
          <Link href={create.href} className="btn-primary">
            <Plus aria-hidden size={16} /> {create.label}
          </Link>
        )}
      </div>
      {list.isPending && <p role="status">{`Loading ${what}...`}</p>}
      {list.isError && <p role="alert">{`Could not load ${what}: ${errorText(list.error)}`}</p>}
    </>
  );
}

/** What an empty list shows a newcomer: `title`, what the list is for (`children`), a link. */
export function EmptyList(props: {
  icon: LucideIcon;
  title: string;
  create: CreateLink;
  children: ReactNode;
}) {
  const titleId = useId();
  const { create } = props;
  return (
    <section className="card text-center" aria-labelledby={titleId}>
      <props.icon aria-hidden className="mx-auto mb-3 text-sky-600" size={36} />
      <h2 id={titleId} className="text-lg font-semibold">
        {props.title}
      </h2>
      <p className="mx-auto mt-2 max-w-prose text-sm text-slate-600 dark:text-slate-300">
        {props.children}
      </p>
      {create && (
        <Link href={create.href} className="btn-primary mt-4 inline-flex">
          {create.label}
        </Link>
      )}
    </section>
  );
}

/**
 * A list's table: the header cells `head`, the rows `children`, scrolling sideways if wide. The
 * scroll box takes keyboard focus (a narrow screen scrolls it with the arrow keys; axe's
 * scrollable-region-focusable).
 */
export function ListTable(props: { label?: string; head: ReactNode; children: ReactNode }) {
  return (
    <div
      className="overflow-x-auto rounded-lg border border-slate-200 dark:border-slate-800"
      tabIndex={0}
      role="region"
      aria-label={props.label}
    >
      <table className="w-full text-left text-sm" aria-label={props.label}>
        <thead className="bg-slate-50 dark:bg-slate-900">
          <tr>{props.head}</tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** How long ago `iso` was, the exact time in its title. */
export function Age(props: { iso: string; now: number }) {
  return (
    <time dateTime={props.iso} title={formatDateTime(props.iso)}>
      {formatAge(props.iso, props.now)}
    </time>
  );
}
