// `eventflow secret ...` as a child process against a real controller (local driver): create
// from each source, list/describe show key names and never values, update rolls the function
// using it, delete is refused while it is used and done with --force.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type EventFlowClient } from "@eventflow/sdk/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEventflow, type CliRun } from "../../../../test/cli/index.ts";
import { startControlTestEnv, type ControlTestEnv } from "./controller.ts";

// The controller's OCI test image (a stand-in function that answers `?op=secret` with a
// secret file it was given), loaded by a computed specifier: it does not compile under the
// CLI's test settings.
const OCI_IMAGE_HELPER = new URL(
  "../../../controller/test/local-driver/helpers/oci-image.ts",
  import.meta.url,
).pathname;
type WriteTestImage = (options: { dir: string; tag?: string }) => Promise<string>;

const LITERAL = "literal-value-7f3a";
const STDIN = "stdin-value-91c2";
const FILE = "file-value-c0de";
const ENV_FILE = "envfile-value-be11";
const ROTATED = "rotated-value-5e55";
const VALUES = [LITERAL, STDIN, FILE, ENV_FILE, ROTATED];

function expectNoValue(run: CliRun): void {
  for (const v of VALUES) {
    expect(run.stdout).not.toContain(v);
    expect(run.stderr).not.toContain(v);
  }
}

describe("eventflow secret against a real controller", () => {
  let env: ControlTestEnv;
  let dir: string;
  let client: EventFlowClient;
  let image: string;
  const cli = async (args: string[], input?: string) => {
    const run = await runEventflow(args, {
      env: { ...env.env, EVENTFLOW_URL: env.url, EVENTFLOW_TOKEN: await env.token() },
      cwd: dir,
      ...(input === undefined ? {} : { input }),
    });
    expectNoValue(run);
    return run;
  };
  const secretOf = async (fn: string, name: string, key: string) =>
    (await client.invoke(fn, { query: { op: "secret", name, key } })).json<{ value?: string }>()
      .value;

  beforeAll(async () => {
    env = await startControlTestEnv("secret");
    dir = await mkdtemp(join(tmpdir(), "ef-cli-secret-"));
    await writeFile(join(dir, "ca.pem"), FILE);
    await writeFile(join(dir, "db.env"), `# database\nDB_USER=app\nDB_PASS=${ENV_FILE}\n`);
    await writeFile(join(dir, "bad.env"), `DB_USER=app\n${ENV_FILE}\n`);
    const { writeTestImage } = (await import(OCI_IMAGE_HELPER)) as {
      writeTestImage: WriteTestImage;
    };
    image = await writeTestImage({ dir: join(dir, "layout"), tag: "v1" });
    client = createClient({ url: env.url, token: await env.token() });
  }, 60_000);
  afterAll(async () => {
    await env?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("create from a literal, stdin, a file and an env file; list and describe show keys only", async () => {
    const created = await cli(
      [
        "secret",
        "create",
        "app",
        "--from-literal",
        `api-key=${LITERAL}`,
        "--from-literal",
        "token=-",
        "--from-file",
        "ca.pem",
        "--from-env-file",
        "db.env",
      ],
      `${STDIN}\n`,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toBe(
      "secret app created (keys: DB_PASS, DB_USER, api-key, ca.pem, token)\n",
    );

    const list = await cli(["secret", "list"]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^NAME\s+KEYS\s+USED-BY\s+UPDATED\n/);
    expect(list.stdout).toMatch(/^app\s+DB_PASS,DB_USER,api-key,ca\.pem,token\s+<none>\s+\d+s$/m);
    const json = await cli(["secret", "list", "-o", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject([{ name: "app", used_by: [] }]);
    expect((await cli(["secret", "ls", "-o", "name"])).stdout).toBe("app\n");

    const described = await cli(["secret", "describe", "app"]);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toMatch(/^Keys:\s+DB_PASS, DB_USER, api-key, ca\.pem, token$/m);
    expect(described.stdout).toMatch(/^Used by:\s+\(no function\)$/m);
  });

  it("the function using it gets every value as given (stdin without its newline)", async () => {
    await client.functions.create({ name: "reader", image, secrets: [{ name: "app" }] });
    await client.functions.waitUntilReady("reader", { timeout: 30_000 });
    expect(await secretOf("reader", "app", "api-key")).toBe(LITERAL);
    expect(await secretOf("reader", "app", "token")).toBe(STDIN);
    expect(await secretOf("reader", "app", "ca.pem")).toBe(FILE);
    expect(await secretOf("reader", "app", "DB_PASS")).toBe(ENV_FILE);
    const described = await cli(["secret", "describe", "app", "-o", "json"]);
    expect(JSON.parse(described.stdout)).toMatchObject({ name: "app", used_by: ["reader"] });
  }, 60_000);

  it("update replaces every key and the function rolls to the new value", async () => {
    const updated = await cli(["secret", "update", "app", "--from-literal", "api-key=-"], ROTATED);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toBe("secret app updated (keys: api-key; rolling reader)\n");
    await expect
      .poll(() => secretOf("reader", "app", "api-key"), { timeout: 30_000, interval: 250 })
      .toBe(ROTATED);
    const missing = await cli(["secret", "update", "nope", "--from-literal", `a=${LITERAL}`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error[SECRET_NOT_FOUND]");
  }, 60_000);

  it("usage errors: exit 2 with CLI_USAGE before anything is sent", async () => {
    const cases: Array<[string[], string]> = [
      [
        ["secret", "create", "x", "--from-literal", `k=${LITERAL}`, "--from-literal", "k=2"],
        "twice",
      ],
      [["secret", "create", "x", "--from-file", "missing.pem"], "no such file"],
      [["secret", "create", "x", "--from-env-file", "bad.env"], "bad.env:2:"],
      [["secret", "create", "x"], "at least one key"],
      [["secret", "create", "x", "--from-literal", LITERAL], "--from-literal #1"],
    ];
    for (const [args, what] of cases) {
      const run = await cli(args);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain("error[CLI_USAGE]");
      expect(run.stderr).toContain(what);
    }
    expect((await client.secrets.list()).map((s) => s.name)).toEqual(["app"]);
    const exists = await cli(["secret", "create", "app", "--from-literal", `k=${LITERAL}`]);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toContain("error[SECRET_ALREADY_EXISTS]");
    expect(exists.stderr).toContain("next: replace its keys with `eventflow secret update app");
  });

  it("delete is refused while a function uses it (SECRET_IN_USE, naming it), done with --force", async () => {
    const refused = await cli(["secret", "delete", "app"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("error[SECRET_IN_USE]");
    expect(refused.stderr).toContain("reader");
    expect(refused.stderr).toContain("--force");
    const json = await cli(["secret", "delete", "app", "-o", "json"]);
    expect(json.json).toMatchObject({
      error: { code: "SECRET_IN_USE", details: { functions: ["reader"] } },
    });
    const forced = await cli(["secret", "delete", "app", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toBe("secret app deleted\n");
    const gone = await cli(["secret", "describe", "app"]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("error[SECRET_NOT_FOUND]");
    expect(gone.stderr).toContain("next: list your secrets with `eventflow secret list`");
    const empty = await cli(["secret", "list"]);
    expect(empty.stdout).toBe("");
    expect(empty.stderr).toContain("no secrets yet");
  });
});
