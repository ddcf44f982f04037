import { HttpError, defineFunction } from "@eventflow/sdk";

interface Greeting {
  readonly name?: string;
}

/** Answers GET with a greeting (`?name=`) and POST `{"name": "..."}` with JSON. */
export default defineFunction<Greeting>({
  handle(event) {
    if (event.method === "GET") return `Hello, ${event.query.name ?? "world"}!`;
    if (event.method !== "POST") throw new HttpError(405, "use GET or POST");
    const name = event.body?.name;
    if (typeof name !== "string" || name.length === 0)
      throw new HttpError(400, "body.name is required");
    return { greeting: `Hello, ${name}!` };
  },
});
