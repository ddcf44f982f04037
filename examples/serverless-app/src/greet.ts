import type { Context, HttpEvent } from "@eventflow/sdk";

interface GreetBody {
  readonly name?: string;
}

/** Greets the `name` of a JSON body (or `?name=`), with the GREETING of the environment. */
export default function greet(event: HttpEvent<GreetBody | undefined>, ctx: Context) {
  const name = event.body?.name ?? event.query.name ?? "world";
  ctx.log.info("greeting", { name });
  return { greeting: `${process.env.GREETING ?? "Hello"}, ${name}!` };
}
