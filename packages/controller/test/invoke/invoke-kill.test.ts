import { spawn, type ChildProcess } from "node:child_process";
import diagnostics from "node:diagnostics_channel";
import { once } from "node:events";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { createTestRecorder, startInvokeServer, stubDriver } from "./invoke-harness.js";

// A replica killed (SIGKILL) under continuous invokes, with real processes and sockets: the
// test/e2e tier does the same with a container on a real node. The driver double keeps listing
// the dead replica, as a real driver does until its endpoints change: the router alone must
// route around it.
const REPLICA = `
  const server = require("node:http").createServer((req, res) => {
    req.resume();
    req.on("end", () => setTimeout(() => res.end(String(process.pid)), 2));
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

async function startReplica(): Promise<{ child: ChildProcess; url: string; port: number }> {
  const child = spawn(process.execPath, ["-e", REPLICA], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  const port = Number(line.toString().trim());
  return { child, url: `http://127.0.0.1:${port}`, port };
}

describe("a replica killed under continuous invokes", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill("SIGKILL");
  });

  it("fails only plain requests sent before the kill; retries keyed ones; ejects the dead replica", async () => {
    const [a, b] = await Promise.all([startReplica(), startReplica()]);
    children.push(a.child, b.child);
    const server = await startInvokeServer({
      driver: stubDriver([
        { replica: "a", url: a.url },
        { replica: "b", url: b.url },
      ]),
      recorder: createTestRecorder(),
      tenant: "acme",
    });
    // Connections the router tried to open to the dead replica (undici's diagnostics channel).
    let refusedByA = 0;
    const onConnectError = (message: unknown) => {
      const { connectParams } = message as { connectParams: { port: string | number } };
      if (Number(connectParams.port) === a.port) refusedByA++;
    };
    diagnostics.subscribe("undici:client:connectError", onConnectError);
    const outcomes: { keyed: boolean; sent: number; result: number | string }[] = [];
    let load = true;
    let seq = 0;
    const loop = async (keyed: boolean) => {
      while (load) {
        const sent = performance.now();
        const res = await request(`${server.url}/v1/functions/fx:invoke`, {
          method: "POST",
          body: "payload",
          headers: keyed ? { "idempotency-key": `k-${seq++}` } : {},
        });
        const text = await res.body.text();
        const result =
          res.statusCode === 200
            ? 200
            : `${res.statusCode} ${(JSON.parse(text) as { error: { code: string } }).error.code}`;
        outcomes.push({ keyed, sent, result });
      }
    };
    const loops = [false, false, true, true].map(loop);
    let killedAt = Number.POSITIVE_INFINITY;
    try {
      await new Promise((r) => setTimeout(r, 300));
      killedAt = performance.now();
      a.child.kill("SIGKILL");
      await new Promise((r) => setTimeout(r, 700));
    } finally {
      load = false;
      await Promise.all(loops);
      diagnostics.unsubscribe("undici:client:connectError", onConnectError);
      await server.close();
    }
    const failed = outcomes.filter((o) => o.result !== 200);
    const shown = JSON.stringify(
      failed.map((o) => ({ ...o, sent: Math.round(o.sent - killedAt) })),
    );
    expect(outcomes.filter((o) => o.sent > killedAt).length).toBeGreaterThan(50);
    // Keyed requests are retried on the other replica even when the connection broke after
    // they were written; plain POSTs are not sent twice, so those in flight may fail.
    expect(
      failed.filter((o) => o.keyed),
      shown,
    ).toEqual([]);
    expect(
      failed.filter((o) => o.sent > killedAt + 50),
      shown,
    ).toEqual([]);
    for (const o of failed) expect(o.result, shown).toBe("502 INVOKE_UPSTREAM_UNREACHABLE");
    // Ejected after its first refusal: at most the requests already on their way (one per
    // loop) try it again, not every request of the 700 ms.
    expect(refusedByA).toBeGreaterThan(0);
    expect(refusedByA).toBeLessThanOrEqual(4);
  });
});
