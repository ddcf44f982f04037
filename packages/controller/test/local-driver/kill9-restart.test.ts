import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Endpoint } from "../../src/drivers/driver.js";
import { createLocalDriver } from "../../src/drivers/local/index.js";
import { getJson, pidAlive, tempDir } from "./helpers/driver-harness.js";
import { writeTestImage } from "./helpers/oci-image.js";

const ROOT = new URL("../../../../", import.meta.url).pathname;
const CHILD = new URL("./fixtures/controller-child.ts", import.meta.url).pathname;

function startController(args: string[]): { child: ChildProcess; ready: Promise<Endpoint[]> } {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--conditions=@eventflow/source", CHILD, ...args],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const ready = new Promise<Endpoint[]>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => {
      const msg = JSON.parse(line) as { ready?: boolean; endpoints: Endpoint[] };
      if (msg.ready) resolve(msg.endpoints);
    });
    child.once("exit", (code) => reject(new Error(`controller exited with ${code}`)));
  });
  return { child, ready };
}

async function pidsOf(endpoints: Endpoint[]): Promise<number[]> {
  return Promise.all(endpoints.map(async (e) => (await getJson(`${e.url}/`)).body.pid as number));
}

async function waitDead(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!pids.some(pidAlive)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}

describe("local driver survives kill -9 of its controller", () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    data = await tempDir("kill9");
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    await data?.cleanup();
  });

  it("brings every function back on a new controller and leaves no orphaned replicas", async () => {
    const image = await writeTestImage({ dir: `${data.path}/layout` });
    const first = startController([`${data.path}/data`, image, "2"]);
    children.push(first.child);
    const firstPids = await pidsOf(await first.ready);
    expect(firstPids).toHaveLength(2);
    // While that controller lives, nobody else may drive the same data directory.
    const intruder = createLocalDriver({ dataDir: `${data.path}/data` });
    await expect(intruder.start()).rejects.toMatchObject({ code: "DRIVER_UNAVAILABLE" });

    first.child.kill("SIGKILL");
    await new Promise((r) => first.child.once("exit", r));
    // The replicas outlive a SIGKILLed parent: exactly what the pid files are for.
    expect(firstPids.every(pidAlive)).toBe(true);

    const second = startController([`${data.path}/data`]);
    children.push(second.child);
    const secondPids = await pidsOf(await second.ready);
    expect(secondPids).toHaveLength(2);
    expect(secondPids.some((p) => firstPids.includes(p))).toBe(false);
    expect(await waitDead(firstPids, 5_000)).toBe(true);

    second.child.kill("SIGTERM");
    await new Promise((r) => second.child.once("exit", r));
    expect(await waitDead(secondPids, 5_000)).toBe(true);
  }, 60_000);
});
