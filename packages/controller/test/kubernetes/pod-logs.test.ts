// The pod log reader against an HTTP server standing in for the API server's `pods/log`
// endpoint (a kubelet that serves container logs cannot run here); the bytes it sends are
// what a pod writing a line without end produces.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig, type V1Pod } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import type { LogLine } from "../../src/drivers/driver.js";
import { CONTAINER_NAME } from "../../src/drivers/kubernetes/labels.js";
import { readFunctionLogs, type PodLogSource } from "../../src/drivers/kubernetes/pod-logs.js";

const POD: V1Pod = {
  metadata: { name: "f-abc" },
  status: { containerStatuses: [{ name: CONTAINER_NAME, state: { running: {} } } as never] },
};

async function apiServer(
  handle: (follow: boolean, res: ServerResponse) => void,
): Promise<{ server: Server; source: PodLogSource }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    res.writeHead(200, { "content-type": "text/plain" });
    handle(url.searchParams.get("follow") === "true", res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: "c",
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: "u" }],
    contexts: [{ name: "x", cluster: "c", user: "u" }],
    currentContext: "x",
  });
  return {
    server,
    source: { kubeConfig, namespace: "ns", pods: () => [POD], onPodsChange: () => () => {} },
  };
}

describe("readFunctionLogs", () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
  });

  it("cuts a long line into 16 KiB parts that keep the line's timestamp", async () => {
    const api = await apiServer((_follow, res) =>
      res.end(`2026-01-01T00:00:00.5Z ${"x".repeat(40_000)}é\n2026-01-01T00:00:01Z short\n`),
    );
    server = api.server;
    const lines: LogLine[] = [];
    for await (const l of readFunctionLogs(api.source, {})) lines.push(l);
    expect(lines.map((l) => l.partial)).toEqual([true, true, undefined, undefined]);
    expect(lines.slice(0, 3).map((l) => l.timestamp)).toEqual(
      Array(3).fill("2026-01-01T00:00:00.5Z"),
    );
    expect(
      lines
        .slice(0, 3)
        .map((l) => l.line)
        .join(""),
    ).toBe(`${"x".repeat(40_000)}é`);
    expect(lines.every((l) => Buffer.byteLength(l.line) <= 16 * 1024)).toBe(true);
    expect(lines[3]!.line).toBe("short");
    const ids = lines.map((l) => l.id);
    expect([...ids].sort()).toEqual(ids);
  });

  it("hands out parts of a line that never ends while the pod keeps writing", async () => {
    const chunk = "y".repeat(64 * 1024);
    const api = await apiServer((follow, res) => {
      if (!follow) return void res.end();
      res.write("2026-01-01T00:00:02Z ");
      // 8 MiB and no newline, and the stream stays open.
      for (let i = 0; i < 128; i++) res.write(chunk);
    });
    server = api.server;
    const ac = new AbortController();
    let parts = 0;
    for await (const l of readFunctionLogs(api.source, { follow: true, signal: ac.signal })) {
      expect(l.partial).toBe(true);
      expect(Buffer.byteLength(l.line)).toBeLessThanOrEqual(16 * 1024);
      if (++parts === 256) ac.abort();
    }
    expect(parts).toBe(256);
  });
});
