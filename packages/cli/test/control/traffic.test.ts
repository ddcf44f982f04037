// `eventflow traffic`, `invoke --tag` and `describe` as a child process against a real
// controller (local driver, real replicas): the traffic table, a split with a tag set by
// assignments, a tag added to the current split, an invoke that names the revision that
// answered, the controller's refusals as exit codes, and a rollout as describe and
// `list -o wide` show it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type EventFlowClient } from "@eventflow/sdk/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEventflow } from "../../../../test/cli/index.ts";
import { startControlTestEnv, type ControlTestEnv } from "./controller.ts";

// The controller's OCI test image (its fixture app answers `{version}` from FIXTURE_VERSION),
// loaded by a computed specifier: it does not compile under the CLI's test settings.
const OCI_IMAGE_HELPER = new URL(
  "../../../controller/test/local-driver/helpers/oci-image.ts",
  import.meta.url,
).pathname;
type WriteTestImage = (options: { dir: string; tag?: string }) => Promise<string>;

describe("eventflow traffic and invoke --tag against a real controller", () => {
  let env: ControlTestEnv;
  let dir: string;
  let client: EventFlowClient;
  const cli = async (args: string[]) =>
    runEventflow(args, {
      env: { ...env.env, EVENTFLOW_URL: env.url, EVENTFLOW_TOKEN: await env.token() },
      cwd: dir,
    });
  const rows = (stdout: string) =>
    stdout
      .trimEnd()
      .split("\n")
      .map((l) => l.split(/\s+/));

  beforeAll(async () => {
    env = await startControlTestEnv("traffic");
    dir = await mkdtemp(join(tmpdir(), "ef-cli-traffic-"));
    const { writeTestImage } = (await import(OCI_IMAGE_HELPER)) as {
      writeTestImage: WriteTestImage;
    };
    const image = await writeTestImage({ dir: join(dir, "layout"), tag: "v1" });
    client = createClient({ url: env.url, token: await env.token() });
    const spec = (version: string) => ({ image, replicas: 1, env: { FIXTURE_VERSION: version } });
    await client.functions.create({ name: "hello", ...spec("v1") });
    await client.functions.waitUntilReady("hello", { timeout: 30_000 });
    await client.functions.update("hello", spec("v2"));
    await client.functions.waitUntilReady("hello", { timeout: 30_000 });
  }, 90_000);
  afterAll(async () => {
    await env?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("shows the default traffic: all to the newest revision, which follows the latest", async () => {
    const shown = await cli(["traffic", "hello"]);
    expect(shown.code, shown.stderr).toBe(0);
    const [header, only, ...rest] = rows(shown.stdout);
    expect(header).toEqual(["REVISION", "PERCENT", "TAG", "READY", "LATEST"]);
    expect([only![0], only![1], only!.at(-1)]).toEqual(["2", "100%", "*"]);
    expect(rest).toEqual([]);
  });

  it("sets a split with a tag from assignments; invoke --tag reaches the tagged revision", async () => {
    const set = await cli(["traffic", "hello", "1=90", "hello-00002=10", "--tag", "canary=2"]);
    expect(set.code, set.stderr).toBe(0);
    expect(rows(set.stdout).map((r) => r.slice(0, 2))).toEqual([
      ["REVISION", "PERCENT"],
      ["1", "90%"],
      ["2", "10%"],
    ]);
    expect(set.stdout).toMatch(/^2 +10% +canary +[0-9]+$/m);
    const json = await cli(["traffic", "hello", "-o", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject([
      { revision: 1, name: "hello-00001", percent: 90, latest_revision: false },
      { revision: 2, name: "hello-00002", percent: 10, tag: "canary" },
    ]);
    // Traffic makes no revision.
    expect((await client.functions.revisions("hello")).map((r) => r.number)).toEqual([2, 1]);

    for (let i = 0; i < 3; i++) {
      const tagged = await cli(["invoke", "hello", "--tag", "canary", "-o", "json"]);
      expect(tagged.code, tagged.stderr).toBe(0);
      const answer = JSON.parse(tagged.stdout) as { revision: string; body: string };
      expect(answer.revision).toBe("hello-00002");
      expect(JSON.parse(answer.body)).toMatchObject({ version: "v2" });
    }
    const plain = await cli(["invoke", "hello"]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stderr).toMatch(/^200 in .*, revision hello-0000[12]\)\n$/);
  });

  it("--tag alone keeps the split; revisions and describe show it", async () => {
    const tagged = await cli(["traffic", "hello", "--tag", "blue=1", "--tag", "canary=latest"]);
    expect(tagged.code, tagged.stderr).toBe(0);
    const traffic = (await client.functions.get("hello")).traffic;
    expect(traffic?.map((t) => [t.revision, t.percent, t.tag, t.latest_revision])).toEqual([
      [1, 90, "blue", false],
      [2, 10, undefined, false],
      [2, 0, "canary", true],
    ]);
    const revisions = await cli(["revisions", "hello"]);
    expect(rows(revisions.stdout).map((r) => r.slice(-2))).toEqual([
      ["CURRENT", "TRAFFIC"],
      ["10%", "canary"],
      ["90%", "blue"],
    ]);
    const described = await cli(["describe", "hello"]);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/^Traffic: +90% {2}hello-00001 {2}[0-9]+ ready {2}tag blue$/m);
    expect(described.stdout).toMatch(/^ +10% {2}hello-00002 {2}[0-9]+ ready$/m);
  });

  it("the controller's refusals exit 1 with their codes; a bad assignment exits 2", async () => {
    const unknownTag = await cli(["invoke", "hello", "--tag", "nope"]);
    expect(unknownTag.code).toBe(1);
    expect(unknownTag.stderr).toContain("error[TRAFFIC_TAG_NOT_FOUND]");
    const missing = await cli(["traffic", "hello", "1=50", "9=50"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error[REVISION_NOT_FOUND]");
    const bad = await cli(["traffic", "hello", "1=50", "2=40"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error[CLI_USAGE]");
    expect(bad.stderr).toContain("(got 90)");
  });

  it("a rollout: describe's Rollout line and list -o wide's ROLLOUT column", async () => {
    const fn = await client.functions.get("hello");
    await client.functions.update("hello", {
      image: fn.spec.image,
      replicas: 1,
      env: { FIXTURE_VERSION: "v3" },
      rollout: { steps: [50, 100], intervalSeconds: 3600, maxErrorRate: 0.5, maxP95Ms: 60_000 },
    });
    const described = await cli(["describe", "hello"]);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(
      /^Rollout: +hello-00003 from hello-0000[12]: progressing, step 1 of 2, [0-9]+% of the requests since \S+/m,
    );
    const wide = await cli(["list", "-o", "wide"]);
    expect(wide.code, wide.stderr).toBe(0);
    expect(wide.stdout).toMatch(/^hello\s.*\sprogressing 1\/2 [0-9]+%\s/m);
  });
});
