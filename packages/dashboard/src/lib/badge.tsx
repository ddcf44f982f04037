/** A coloured pill with an icon, so colour is never the only signal (phases, states). */
import type { CheckCircle2 } from "lucide-react";
import type { HTMLAttributes } from "react";

/** The badge; `look.className` colours it, `spin` turns the icon (for work in progress). */
export function Badge({
  look,
  spin = false,
  children,
  ...rest
}: HTMLAttributes<HTMLSpanElement> & {
  look: { className: string; Icon: typeof CheckCircle2 };
  spin?: boolean;
  [data: `data-${string}`]: string;
}) {
  const { Icon } = look;
  return (
    <span
      className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ${look.className}`}
      {...rest}
    >
      <Icon aria-hidden size={14} className={spin ? "motion-safe:animate-spin" : undefined} />
      {children}
    </span>
  );
}
