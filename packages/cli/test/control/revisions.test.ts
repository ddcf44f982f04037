// `eventflow revisions` and `eventflow rollback` as a child process against a real controller
// (local driver): the history table with each revision's traffic and JSON, a rollback (a move
// of all the traffic, no new revision) to the previous and to a named revision, and the
// controller's refusals as exit codes.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type EventFlowClient } from "@eventflow/sdk/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEventflow } from "../../../../test/cli/index.ts";
import { startControlTestEnv, type ControlTestEnv } from "./controller.ts";

// The controller's OCI test image, loaded by a computed specifier: it does not compile under
// the CLI's test settings.
const OCI_IMAGE_HELPER = new URL(
  "../../../controller/test/local-driver/helpers/oci-image.ts",
  import.meta.url,
).pathname;
type WriteTestImage = (options: { dir: string; tag?: string; env?: string[] }) => Promise<string>;

describe("eventflow revisions and rollback against a real controller", () => {
  let env: ControlTestEnv;
  let dir: string;
  let client: EventFlowClient;
  let v1: string;
  let v2: string;
  const cli = async (args: string[]) =>
    runEventflow(args, {
      env: { ...env.env, EVENTFLOW_URL: env.url, EVENTFLOW_TOKEN: await env.token() },
      cwd: dir,
    });

  beforeAll(async () => {
    env = await startControlTestEnv("revisions");
    dir = await mkdtemp(join(tmpdir(), "ef-cli-revisions-"));
    const { writeTestImage } = (await import(OCI_IMAGE_HELPER)) as {
      writeTestImage: WriteTestImage;
    };
    v1 = await writeTestImage({ dir: join(dir, "layout"), tag: "v1" });
    v2 = await writeTestImage({
      dir: join(dir, "layout"),
      tag: "v2",
      env: ["NODE_ENV=production", "IMAGE_VERSION=2"],
    });
    client = createClient({ url: env.url, token: await env.token() });
    await client.functions.create({ name: "hello", image: v1, replicas: 0 });
    await client.functions.update("hello", { image: v2, replicas: 0 });
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("revisions: a table newest first with the current one marked and the traffic, and -o json", async () => {
    const table = await cli(["revisions", "hello"]);
    expect(table.code, table.stderr).toBe(0);
    const [header, newest, oldest, ...rest] = table.stdout.trimEnd().split("\n");
    expect(header!.split(/\s+/)).toEqual([
      "REVISION",
      "IMAGE",
      "CREATED",
      "BY",
      "CURRENT",
      "TRAFFIC",
    ]);
    expect(newest).toMatch(/^2\s/);
    expect(newest).toMatch(/\s\*\s+100%$/);
    expect(oldest).toMatch(/^1\s/);
    expect(oldest).not.toMatch(/\*/);
    expect(oldest).toMatch(/\s-$/);
    expect(rest).toEqual([]);

    const json = await cli(["revisions", "hello", "-o", "json"]);
    expect(json.code, json.stderr).toBe(0);
    const list = JSON.parse(json.stdout) as Array<{
      name: string;
      image: string;
      current: boolean;
      percent: number;
    }>;
    expect(list.map((r) => [r.name, r.image, r.current, r.percent])).toEqual([
      ["hello-00002", v2, true, 100],
      ["hello-00001", v1, false, 0],
    ]);
  });

  it("rollback: all traffic to the previous revision, then --to a named one; no revision made", async () => {
    const back = await cli(["rollback", "hello"]);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(
      /^hello rolled back: all traffic to hello-00001 \([0-9]+ ready replicas?\)\n$/,
    );
    const after = await client.functions.get("hello");
    expect(after.traffic?.map((t) => [t.revision, t.percent])).toEqual([[1, 100]]);
    // The spec stays the newest revision's: a rollback moves traffic, it changes nothing else.
    expect(after.spec.image).toBe(v2);

    const forward = await cli(["rollback", "hello", "--to", "2", "-o", "json"]);
    expect(forward.code, forward.stderr).toBe(0);
    const fn = JSON.parse(forward.stdout) as { name: string; traffic: unknown[] };
    expect(fn).toMatchObject({ name: "hello", traffic: [{ revision: 2, percent: 100 }] });
    expect(fn.traffic).toHaveLength(1);
    expect((await client.functions.revisions("hello")).map((r) => r.number)).toEqual([2, 1]);
    expect(await client.functions.revision("hello", "hello-00001")).toMatchObject({
      number: 1,
      image: v1,
    });
  });

  it("the controller's refusals: exit 1 with their codes", async () => {
    await client.functions.create({ name: "solo", image: v1, replicas: 0 });
    const none = await cli(["rollback", "solo"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("error[REVISION_NO_PREVIOUS]");
    const missing = await cli(["rollback", "hello", "--to", "hello-00042"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error[REVISION_NOT_FOUND]");
    const unknown = await cli(["revisions", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("error[FUNCTION_NOT_FOUND]");
  });
});
