/** The tenant's secrets: names, key names, the functions that use them and when they changed. */
import type { SecretInfo } from "@eventflow/protocol";
import { KeyRound, Pencil, Trash2 } from "lucide-react";
import type { ReactNode } from "react";
import { Age, EmptyList, ListTable } from "../../../lib/list-page.tsx";
import { Link } from "../../../lib/router.tsx";

/** The table; `onDelete` opens the page's delete dialog (only for writers). */
export function SecretsTable(props: {
  secrets: readonly SecretInfo[];
  canWrite: boolean;
  onDelete?: (secret: SecretInfo) => void;
  now?: number;
}): ReactNode {
  const { secrets, canWrite, now = Date.now() } = props;
  if (secrets.length === 0) {
    return (
      <EmptyList
        icon={KeyRound}
        title="No secrets yet"
        create={canWrite && { href: "/secrets/new", label: "Create your first secret" }}
      >
        Keep API keys and passwords out of a function&apos;s environment: store them here (or with{" "}
        <code className="code">eventflow secret create</code>) and name them in the function&apos;s
        secrets.
      </EmptyList>
    );
  }
  const sorted = secrets.toSorted((a, b) => a.name.localeCompare(b.name));
  return (
    <ListTable
      label="Secrets"
      head={
        <>
          {["Name", "Keys", "Used by", "Updated"].map((h) => (
            <th key={h} scope="col" className="px-3 py-2 font-medium">
              {h}
            </th>
          ))}
          {canWrite && (
            <th scope="col" className="px-3 py-2 font-medium">
              <span className="sr-only">Actions</span>
            </th>
          )}
        </>
      }
    >
      {sorted.map((s) => (
        <tr key={s.name} className="border-t border-slate-200 dark:border-slate-800">
          <td className="px-3 py-2 font-medium">{s.name}</td>
          <td className="px-3 py-2 font-mono text-xs">{s.keys.join(", ")}</td>
          <td className="px-3 py-2">
            {s.used_by.length === 0
              ? "-"
              : s.used_by.map((fn, i) => (
                  <span key={fn}>
                    {i > 0 && ", "}
                    <Link
                      href={`/functions/${encodeURIComponent(fn)}`}
                      className="text-sky-700 underline-offset-2 hover:underline dark:text-sky-300"
                    >
                      {fn}
                    </Link>
                  </span>
                ))}
          </td>
          <td className="px-3 py-2 tabular-nums">
            <Age iso={s.updated_at} now={now} />
          </td>
          {canWrite && (
            <td className="flex justify-end gap-1 px-3 py-2">
              <Link
                href={`/secrets/${encodeURIComponent(s.name)}/edit`}
                className="btn-ghost"
                aria-label={`Update ${s.name}`}
              >
                <Pencil aria-hidden size={16} />
              </Link>
              <button
                type="button"
                className="btn-ghost"
                aria-label={`Delete ${s.name}`}
                onClick={() => props.onDelete?.(s)}
              >
                <Trash2 aria-hidden size={16} />
              </button>
            </td>
          )}
        </tr>
      ))}
    </ListTable>
  );
}
