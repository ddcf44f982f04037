// CloudEvents over the runtime's HTTP server: binary and structured modes in and out.
import { afterEach, describe, expect, it } from "vitest";
import { CloudEvent as SdkEvent, HTTP } from "cloudevents";
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

async function asMessage(
  res: Response,
): Promise<{ headers: Record<string, string>; body: string }> {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, key) => (headers[key] = value));
  return { headers, body: await res.text() };
}

// The official `cloudevents` SDK as an independent client: it writes the requests and reads the
// replies, so a disagreement between its reading of the binding and ours fails here.
describe("with the official cloudevents SDK as the client", () => {
  const echo = defineFunction({
    cloudEvent: (event) =>
      cloudEvent({
        type: "com.example.echo",
        source: "/echo",
        subject: event.subject,
        datacontenttype: "application/json",
        data: { data: event.data, time: event.time, tenantid: event.tenantid },
        tenantid: event.tenantid,
      }),
  });

  it.each(["binary", "structured"] as const)(
    "%s mode: the SDK's event reaches the handler and the reply parses back",
    async (mode) => {
      const rt = await start(echo);
      const sent = new SdkEvent({
        type: "com.example.order",
        source: "/orders",
        subject: "order-1",
        tenantid: "acme",
        datacontenttype: "application/json",
        data: { order: 1 },
      });
      const message = HTTP[mode](sent);
      const res = await fetch(rt.url, {
        method: "POST",
        headers: message.headers as Record<string, string>,
        body: message.body as string,
      });
      expect(res.status).toBe(200);
      const reply = HTTP.toEvent(await asMessage(res)) as SdkEvent<{
        data: unknown;
        time: string;
        tenantid: string;
      }>;
      expect(reply.type).toBe("com.example.echo");
      expect(reply.subject).toBe("order-1");
      expect(reply.tenantid).toBe("acme");
      expect(reply.data).toEqual({ data: { order: 1 }, time: sent.time, tenantid: "acme" });
      // The SDK validates the reply: time is there and is a timestamp it accepts.
      expect(reply.validate()).toBe(true);
      expect(Number.isNaN(Date.parse(reply.time as string))).toBe(false);
    },
  );

  it("a JSON string reply is JSON under application/json (binary mode)", async () => {
    const rt = await start(
      defineFunction({
        cloudEvent: () =>
          cloudEvent({
            type: "t",
            source: "/s",
            datacontenttype: "application/json",
            data: "hello",
          }),
      }),
    );
    const sent = new SdkEvent({ type: "t", source: "/c", data: { x: 1 } });
    const message = HTTP.binary(sent);
    const res = await fetch(rt.url, {
      method: "POST",
      headers: message.headers as Record<string, string>,
      body: message.body as string,
    });
    const raw = await asMessage(res);
    expect(raw.body).toBe('"hello"');
    expect(HTTP.toEvent(raw)).toMatchObject({ data: "hello" });
  });
});

describe("header values and times on the wire", () => {
  const subjectOf = defineFunction({
    cloudEvent: (event) =>
      cloudEvent({ type: "t", source: "/s", subject: `[${event.subject}]`, data: event.subject }),
  });
  const ce = { "ce-specversion": "1.0", "ce-id": "1", "ce-source": "/s", "ce-type": "t" };

  it("a subject with spaces and quotes arrives whole and goes back percent-encoded", async () => {
    const rt = await start(subjectOf);
    const res = await fetch(rt.url, {
      method: "POST",
      headers: { ...ce, "ce-subject": "%20padded%20%22q%22" },
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(' padded "q"');
    expect(res.headers.get("ce-subject")).toBe("[%20padded%20%22q%22]");
    const quoted = await fetch(rt.url, {
      method: "POST",
      headers: { ...ce, "ce-subject": '"two words \\"x\\""' },
    });
    expect(await quoted.text()).toBe('two words "x"');
  });

  it.each([
    ["ce-subject", "%C0%A0"],
    ["ce-subject", "bad%zzescape"],
    ["ce-time", "Sat, 05 Dec 2026 08:15:10 GMT"],
    ["ce-time", "2026-02-30T00:00:00Z"],
  ])("%s: %s is 400 CLOUDEVENT_INVALID", async (name, value) => {
    const rt = await start(subjectOf);
    const res = await fetch(rt.url, { method: "POST", headers: { ...ce, [name]: value } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      "CLOUDEVENT_INVALID",
    );
  });
});
