import type { Context, HttpEvent } from "@eventflow/sdk";

/** Answers `Hello, <name>!` as text; `?name=` picks the name. */
export default function hello(event: HttpEvent, _ctx: Context): string {
  return `Hello, ${event.query.name ?? "world"}!`;
}
