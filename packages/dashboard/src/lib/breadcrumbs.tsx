/** Where a page sits: links up to the list it belongs to, the page itself last. */
import { ChevronRight } from "lucide-react";
import { Link } from "./router.tsx";

/** The trail; a step without `href` is the current page (aria-current). */
export function Breadcrumbs({ trail }: { trail: { label: string; href?: string }[] }) {
  return (
    <nav aria-label="Breadcrumb" className="mb-1 text-sm">
      <ol className="flex flex-wrap items-center gap-1 text-slate-600 dark:text-slate-300">
        {trail.map((step, i) => (
          <li key={step.label} className="flex items-center gap-1">
            {i > 0 && <ChevronRight aria-hidden size={14} />}
            {step.href === undefined ? (
              <span aria-current="page">{step.label}</span>
            ) : (
              <Link href={step.href} className="underline-offset-2 hover:underline">
                {step.label}
              </Link>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}
