// Type tests: what handlers may return and how events and contexts are typed.
import { describe, expectTypeOf, it } from "vitest";
import {
  cloudEvent,
  defineFunction,
  handler,
  type CloudEvent,
  type Context,
  type HttpEvent,
} from "../src/index.js";

interface Order {
  id: number;
  items: string[];
}

describe("handler types", () => {
  it("types the event body and the context", () => {
    handler<Order>((event, ctx) => {
      expectTypeOf(event.body).toEqualTypeOf<Order>();
      expectTypeOf(event.rawBody).toEqualTypeOf<Buffer>();
      expectTypeOf(ctx).toEqualTypeOf<Context>();
      expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
      return event.body.items.length;
    });
  });

  it("accepts every documented result", () => {
    handler(() => "text");
    handler(() => ({ any: "json" }));
    handler((): Order => ({ id: 1, items: [] }));
    handler(() => Buffer.from("x"));
    handler(() => undefined);
    handler(async () => ({ statusCode: 201, headers: { "x-a": "1" }, body: "made" }));
    handler(() => new Response("web"));
    handler(async function* () {
      yield "chunk";
    });
    handler(() => cloudEvent({ type: "t", source: "/s" }));
  });

  it("rejects results that cannot be sent", () => {
    // @ts-expect-error a function is not a response
    handler(() => () => 1);
    // @ts-expect-error a symbol is not a response
    handler(() => Symbol("x"));
    // @ts-expect-error a bigint is not a response
    handler(() => 10n);
  });

  it("defineFunction takes exactly one of handle or cloudEvent", () => {
    defineFunction({ handle: (event: HttpEvent) => event.path });
    defineFunction<{ n: number }>({
      cloudEvent: (event) => {
        expectTypeOf(event).toEqualTypeOf<CloudEvent<{ n: number }>>();
        return undefined;
      },
    });
    // @ts-expect-error both handlers
    defineFunction({ handle: () => "a", cloudEvent: () => "b" });
    // @ts-expect-error init must be a function
    defineFunction({ handle: () => "a", init: 5 });
  });
});
