/** A row of a details list (`<dl>`): the label beside its value from the sm breakpoint on. */
import type { ReactNode } from "react";

/** The row; long values break inside it instead of widening the page. */
export function DetailRow({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="grid gap-x-2 py-1 sm:grid-cols-[10rem_1fr]">
      <dt className="text-slate-600 dark:text-slate-400">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </div>
  );
}
