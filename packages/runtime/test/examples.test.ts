// Every example in examples/ served by the real runtime over HTTP (the unit tests next to each
// example use the SDK's testing entry; this proves the same behaviour over the wire).
import { afterEach, describe, expect, it } from "vitest";
import * as cloudeventConsumer from "../../../examples/cloudevent-consumer/src/index.js";
import * as hello from "../../../examples/hello/src/index.js";
import * as jsonTransform from "../../../examples/json-transform/src/index.js";
import * as streaming from "../../../examples/streaming/src/index.js";
import * as withDependency from "../../../examples/with-dependency/src/index.js";
import { startInProcess, type TestRuntime } from "./support/in-process.js";

let rt: TestRuntime | undefined;
afterEach(async () => {
  await rt?.stop();
  rt = undefined;
});

describe("examples over HTTP", () => {
  it("hello", async () => {
    rt = await startInProcess(hello);
    expect(await (await fetch(`${rt.url}/?name=EventFlow`)).text()).toBe("Hello, EventFlow!");
  });

  it("json-transform", async () => {
    rt = await startInProcess(jsonTransform);
    const res = await fetch(rt.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ lines: [{ sku: "a", qty: 1, unitPrice: 100 }] }),
    });
    expect(await res.json()).toMatchObject({ total: 120 });
  });

  it("cloudevent-consumer (binary mode)", async () => {
    rt = await startInProcess(cloudeventConsumer);
    const res = await fetch(rt.url, {
      method: "POST",
      headers: {
        "ce-specversion": "1.0",
        "ce-id": "1",
        "ce-source": "/shop",
        "ce-type": "com.example.order.created",
        "content-type": "application/json",
      },
      body: JSON.stringify({ orderId: "o-9", amount: 1 }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("ce-type")).toBe("com.example.order.accepted");
    expect(res.headers.get("ce-subject")).toBe("o-9");
  });

  it("streaming delivers the first line before the last one is produced", async () => {
    rt = await startInProcess(streaming);
    const res = await fetch(`${rt.url}/?steps=4&delayMs=150`);
    const reader = res.body!.getReader();
    const first = await reader.read();
    // Had the body been buffered, the first read would hold all four lines.
    const firstText = Buffer.from(first.value!).toString();
    expect(firstText.trim().split("\n")).toHaveLength(1);
    expect(JSON.parse(firstText).step).toBe(1);
    let rest = "";
    for (let r = await reader.read(); !r.done; r = await reader.read())
      rest += Buffer.from(r.value).toString();
    expect(rest.trim().split("\n")).toHaveLength(3);
  });

  it("with-dependency", async () => {
    rt = await startInProcess(withDependency);
    const res = await fetch(rt.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "a@b.co", name: "A" }),
    });
    expect(res.status).toBe(201);
  });
});
