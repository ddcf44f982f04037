// The built image in a real container engine: Debian's podman with runc (crun fails on this
// VM's hybrid cgroups; rlimits must stay under root's hard limits, see
// shared/notes/libraries.md). Storage is private to the test (vfs under a temp dir).
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runEventflow } from "../../../../test/cli/index.ts";
import type { TestRegistry } from "../../../../test/registry/index.ts";
import { freePort, waitForHttp } from "../helpers.ts";
import { startBaseRegistry } from "./registry-support.ts";

const run = promisify(execFile);
let registry: TestRegistry;
let storage: string;
let podmanFlags: string[];
const container = `eventflow-cli-test-${process.pid}`;

const podman = async (args: readonly string[]) =>
  (await run("podman", [...podmanFlags, ...args], { timeout: 120_000, maxBuffer: 16 << 20 }))
    .stdout;

beforeAll(async () => {
  // The registry with the base in it, as base/node:multi (and :amd64), as the registry tests have it.
  ({ registry } = await startBaseRegistry());
  storage = await mkdtemp(join(tmpdir(), "ef-podman-"));
  podmanFlags = [
    "--root",
    join(storage, "root"),
    "--runroot",
    join(storage, "runroot"),
    "--storage-driver",
    "vfs",
  ];
}, 120_000);

afterAll(async () => {
  await podman(["rm", "-f", "-t", "0", container]).catch(() => undefined);
  await registry?.stop();
  if (storage) await rm(storage, { recursive: true, force: true });
});

describe("podman runs the image", () => {
  let digest: string;
  let tarball: string;

  it("pulls the pushed index, runs it with runc as 65532 and answers HTTP 200", async () => {
    tarball = join(storage, "hello.tar");
    const built = await runEventflow([
      "build",
      join(REPO_ROOT, "examples/hello"),
      "-t",
      `${registry.host}/hello:1`,
      "--base",
      `${registry.host}/base/node:multi`,
      "--push",
      "--output",
      `tar:${tarball}`,
      "--json",
    ]);
    expect(built.code, built.stderr).toBe(0);
    digest = built.json?.digest as string;
    await podman(["pull", "--tls-verify=false", `${registry.host}/hello@${digest}`]);
    const port = await freePort();
    await podman([
      "run",
      "-d",
      "--name",
      container,
      "--runtime",
      "runc",
      "--ulimit",
      "nofile=1024:1024",
      "--ulimit",
      "nproc=1024:1024",
      "--network",
      "host",
      "-e",
      `PORT=${port}`,
      `${registry.host}/hello@${digest}`,
    ]);
    const logs = () => "(see podman logs)";
    const res = await waitForHttp(`http://127.0.0.1:${port}/?name=podman`, logs);
    expect(res.status).toBe(200);
    expect(res.body).toBe("Hello, podman!");
    const health = await waitForHttp(`http://127.0.0.1:${port}/_eventflow/healthz`, logs);
    expect(health.status).toBe(200);
    const uid = await podman([
      "exec",
      container,
      "node",
      "-e",
      "process.stdout.write(String(process.getuid()))",
    ]);
    expect(uid).toBe("65532");
    const env = await podman([
      "exec",
      container,
      "node",
      "-e",
      "process.stdout.write(process.env.EVENTFLOW_FUNCTION_NAME + ' ' + process.env.NODE_ENV + ' ' + process.cwd())",
    ]);
    expect(env).toBe("hello production /app");
    const log = await podman(["logs", container]);
    expect(log).toContain('"msg":"ready"');
  });

  it("podman load reads the tarball output", async () => {
    const out = await podman(["load", "-i", tarball]);
    expect(out).toContain(`${registry.host}/hello:1`);
    const inspected = JSON.parse(
      await podman(["image", "inspect", `${registry.host}/hello:1`]),
    ) as { Labels: Record<string, string>; Config: { Entrypoint: string[]; User: string } }[];
    expect(inspected[0]!.Labels["dev.eventflow.function"]).toBe("hello");
    expect(inspected[0]!.Config.Entrypoint).toEqual([
      "node",
      "--enable-source-maps",
      "/app/index.mjs",
    ]);
    expect(inspected[0]!.Config.User).toBe("65532:65532");
  });
});
