// Pushing to registries that need credentials: TLS + htpasswd Basic auth (credentials from
// the environment or the docker config, CA from --ca) and Bearer tokens from a token server
// (a denied repository), with the base copied across registries.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureTestBaseImage, runEventflow } from "../../../../test/cli/index.ts";
import {
  skopeo,
  skopeoFlags,
  skopeoInspect,
  startRegistry,
  type TestRegistry,
} from "../../../../test/registry/index.ts";
import { HELLO_HANDLER, makeProject, removeProjects } from "../helpers.ts";

let basic: TestRegistry;
let token: TestRegistry;
let plain: TestRegistry;
let project: string;
let caFile: string;

beforeAll(async () => {
  const base = await ensureTestBaseImage();
  [basic, token, plain] = await Promise.all([
    startRegistry({ mode: "basic" }),
    startRegistry({ mode: "token", deny: ["denied/app"] }),
    startRegistry({ mode: "plain" }),
  ]);
  await skopeo([
    "copy",
    ...skopeoFlags(plain, "dest-creds"),
    `oci:${base.layout}:amd64`,
    `docker://${plain.host}/base/node:amd64`,
  ]);
  project = await makeProject({
    "src/index.ts": HELLO_HANDLER,
    "package.json": JSON.stringify({ name: "authfn" }),
  });
  caFile = join(project, "ca.pem");
  await writeFile(caFile, basic.ca!);
}, 120_000);

afterAll(async () => {
  await removeProjects();
  await Promise.all([basic?.stop(), token?.stop(), plain?.stop()]);
});

const creds = (r: TestRegistry, password = r.password!) => ({
  EVENTFLOW_REGISTRY_USERNAME: r.username!,
  EVENTFLOW_REGISTRY_PASSWORD: password,
});
const errorCode = (json: Record<string, unknown> | undefined) =>
  (json?.error as { code?: string } | undefined)?.code;

describe("TLS + Basic auth", () => {
  it("pushes with credentials from the environment and the CA from --ca", async () => {
    const result = await runEventflow(
      [
        "build",
        project,
        "-t",
        `${basic.host}/team/fn:1`,
        "--base",
        "scratch",
        "--ca",
        caFile,
        "--push",
        "--json",
      ],
      {
        env: creds(basic),
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const inspected = (await skopeoInspect(basic, `${basic.host}/team/fn:1`)) as { Digest: string };
    expect(inspected.Digest).toBe(result.json?.digest);
  });

  it("pushes with credentials from the docker config (DOCKER_CONFIG)", async () => {
    const dockerDir = join(project, "docker");
    await mkdir(dockerDir, { recursive: true });
    const auth = Buffer.from(`${basic.username}:${basic.password}`).toString("base64");
    await writeFile(
      join(dockerDir, "config.json"),
      JSON.stringify({ auths: { [basic.host]: { auth } } }),
    );
    const result = await runEventflow(
      [
        "build",
        project,
        "-t",
        `${basic.host}/team/fn:2`,
        "--base",
        "scratch",
        "--ca",
        caFile,
        "--push",
        "--json",
      ],
      {
        env: { DOCKER_CONFIG: dockerDir },
      },
    );
    expect(result.code, result.stderr).toBe(0);
  });

  it("pushes with --username and --password-stdin", async () => {
    const result = await runEventflow(
      [
        "build",
        project,
        "-t",
        `${basic.host}/team/fn:5`,
        "--base",
        "scratch",
        "--ca",
        caFile,
        "--push",
        "--username",
        basic.username!,
        "--password-stdin",
        "--json",
      ],
      { input: `${basic.password}\n` },
    );
    expect(result.code, result.stderr).toBe(0);
    const half = await runEventflow([
      "build",
      project,
      "-t",
      `${basic.host}/team/fn:6`,
      "--base",
      "scratch",
      "--push",
      "--username",
      "x",
      "--json",
    ]);
    expect(half.code).toBe(2);
    expect(errorCode(half.json)).toBe("CLI_USAGE");
  });

  it("a wrong password: exit 1, REGISTRY_UNAUTHORIZED", async () => {
    const result = await runEventflow(
      [
        "build",
        project,
        "-t",
        `${basic.host}/team/fn:3`,
        "--base",
        "scratch",
        "--ca",
        caFile,
        "--push",
        "--json",
      ],
      {
        env: creds(basic, "wrong-password"),
      },
    );
    expect(result.code).toBe(1);
    expect(errorCode(result.json)).toBe("REGISTRY_UNAUTHORIZED");
  });

  it("without the CA the TLS registry is refused (not silently downgraded)", async () => {
    const result = await runEventflow(
      ["build", project, "-t", `${basic.host}/team/fn:4`, "--base", "scratch", "--push", "--json"],
      { env: creds(basic) },
    );
    expect(result.code).toBe(1);
    expect(errorCode(result.json)).toBe("REGISTRY_UNREACHABLE");
  });
});

describe("token auth", () => {
  it("pushes with a Bearer token, copying the base from another registry", async () => {
    const result = await runEventflow(
      [
        "build",
        project,
        "-t",
        `${token.host}/team/fn:1`,
        "--base",
        `${plain.host}/base/node:amd64`,
        "--push",
        "--json",
      ],
      {
        env: creds(token),
      },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/base\s+[0-9a-f]{12}\s+.*uploaded/);
    const inspected = (await skopeoInspect(token, `${token.host}/team/fn:1`)) as {
      Layers: string[];
    };
    expect(inspected.Layers).toHaveLength(2);
  });

  it("a repository the token server denies: exit 1, REGISTRY_DENIED", async () => {
    const result = await runEventflow(
      [
        "build",
        project,
        "-t",
        `${token.host}/denied/app:1`,
        "--base",
        "scratch",
        "--push",
        "--json",
      ],
      { env: creds(token) },
    );
    expect(result.code).toBe(1);
    expect(errorCode(result.json)).toBe("REGISTRY_DENIED");
  });
});
