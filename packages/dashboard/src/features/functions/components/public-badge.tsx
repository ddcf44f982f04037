/** Marks a function whose HTTP endpoint anyone may call (`auth: public`), in the list and detail. */
import { Globe } from "lucide-react";

/** The badge; renders nothing for token-protected functions. */
export function PublicBadge({ auth }: { auth: string | undefined }) {
  if (auth !== "public") return null;
  return (
    <span
      className="inline-flex items-center gap-1 rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-900 dark:bg-amber-900/50 dark:text-amber-100"
      data-testid="public-badge"
      title="Anyone who knows the URL can call this function: no token is needed."
    >
      <Globe aria-hidden size={12} /> public
    </span>
  );
}
