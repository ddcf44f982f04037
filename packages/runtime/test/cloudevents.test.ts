// CloudEvents over the runtime's HTTP server: binary and structured modes in and out.
import { afterEach, describe, expect, it } from "vitest";
import { cloudEvent, defineFunction } from "@eventflow/sdk";
import { startInProcess, type TestRuntime } from "./support/in-process.js";

let current: TestRuntime | undefined;
afterEach(async () => {
  await current?.stop();
  current = undefined;
});

async function start(handler: unknown): Promise<TestRuntime> {
  current = await startInProcess(handler);
  return current;
}

describe("CloudEvents over HTTP", () => {
  const handler = defineFunction({
    cloudEvent: (event) =>
      cloudEvent({
        type: "com.example.reply",
        source: "/test",
        data: { got: event.data, from: event.source, ext: event.tenantid },
      }),
  });

  it("binary mode in, binary mode out", async () => {
    const rt = await start(handler);
    const res = await fetch(rt.url, {
      method: "POST",
      headers: {
        "ce-specversion": "1.0",
        "ce-id": "1",
        "ce-source": "/orders",
        "ce-type": "com.example.order",
        "ce-tenantid": "acme",
        "content-type": "application/json",
      },
      body: '{"order":1}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("ce-type")).toBe("com.example.reply");
    expect(res.headers.get("ce-specversion")).toBe("1.0");
    expect(res.headers.get("ce-id")).toBeTruthy();
    expect(await res.json()).toEqual({ got: { order: 1 }, from: "/orders", ext: "acme" });
  });

  it("structured mode in, structured mode out", async () => {
    const rt = await start(handler);
    const res = await fetch(rt.url, {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json" },
      body: JSON.stringify({ specversion: "1.0", id: "2", source: "/s", type: "t", data: [1, 2] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/cloudevents+json");
    const event = (await res.json()) as { type: string; data: unknown; specversion: string };
    expect(event).toMatchObject({
      specversion: "1.0",
      type: "com.example.reply",
      data: { got: [1, 2], from: "/s" },
    });
  });

  it("a CloudEvent handler refuses plain HTTP and malformed events with 400", async () => {
    const rt = await start(handler);
    const plain = await fetch(rt.url, { method: "POST", body: "x" });
    expect(plain.status).toBe(400);
    expect(((await plain.json()) as { error: { code: string } }).error.code).toBe(
      "CLOUDEVENT_REQUIRED",
    );
    const missing = await fetch(rt.url, {
      method: "POST",
      headers: { "ce-specversion": "1.0", "ce-id": "1" },
    });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe(
      "CLOUDEVENT_INVALID",
    );
    const batch = await fetch(rt.url, {
      method: "POST",
      headers: { "content-type": "application/cloudevents-batch+json" },
      body: "[]",
    });
    expect(batch.status).toBe(415);
  });

  it("an HTTP handler sees event.cloudEvent", async () => {
    const rt = await start(
      (event: { cloudEvent?: { type: string } }) => event.cloudEvent?.type ?? "none",
    );
    const res = await fetch(rt.url, {
      method: "POST",
      headers: {
        "ce-specversion": "1.0",
        "ce-id": "1",
        "ce-source": "/s",
        "ce-type": "com.example.x",
      },
    });
    expect(await res.text()).toBe("com.example.x");
  });
});
