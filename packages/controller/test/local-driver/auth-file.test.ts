import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authFileCredentials } from "../../src/drivers/local/index.js";
import { tempDir } from "./helpers/driver-harness.js";

// The auth file the local driver pulls with: docker/podman formats, read on every lookup.
// Credential helpers are real programs on PATH (a shell script speaking the helper protocol).
let tmp: Awaited<ReturnType<typeof tempDir>>;
let env: Record<string, string>;
const b64 = (s: string) => Buffer.from(s).toString("base64");

beforeAll(async () => {
  tmp = await tempDir("auth-file");
  const bin = join(tmp.path, "bin");
  await mkdir(bin);
  const helper = join(bin, "docker-credential-eftest");
  // Answers for helper.example only; "not found" otherwise, like docker's helpers.
  await writeFile(
    helper,
    [
      "#!/bin/sh",
      "read -r server",
      'if [ "$server" = "helper.example:5000" ]; then',
      '  printf \'{"ServerURL":"%s","Username":"helper-user","Secret":"helper-secret"}\' "$server"',
      'elif [ "$server" = "https://index.docker.io/v1/" ]; then',
      '  printf \'{"ServerURL":"%s","Username":"<token>","Secret":"hub-identity"}\' "$server"',
      "else",
      '  echo "credentials not found in native keychain"; exit 1',
      "fi",
      "",
    ].join("\n"),
  );
  await chmod(helper, 0o755);
  env = { PATH: `${bin}:/usr/bin:/bin` };
});
afterAll(() => tmp?.cleanup());

async function file(name: string, content: unknown): Promise<string> {
  const path = join(tmp.path, name);
  await writeFile(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

describe("authFileCredentials", () => {
  it.each([
    [
      "a bare host key with base64 auth",
      { "r.example:5000": { auth: b64("u:p:w") } },
      "r.example:5000",
      { username: "u", password: "p:w" },
    ],
    [
      "an https URL key with a path",
      { "https://r.example/v1/": { auth: b64("u:p") } },
      "r.example",
      { username: "u", password: "p" },
    ],
    [
      "username and password fields (podman)",
      { "r.example": { username: "u", password: "p" } },
      "r.example",
      { username: "u", password: "p" },
    ],
    [
      "an identity token",
      { "r.example": { identitytoken: "rt", username: "u" } },
      "r.example",
      { identityToken: "rt", username: "u" },
    ],
    [
      "Docker Hub's legacy key for docker.io",
      { "https://index.docker.io/v1/": { auth: b64("h:p") } },
      "docker.io",
      { username: "h", password: "p" },
    ],
    ["no entry for the host", { "other.example": { auth: b64("u:p") } }, "r.example", undefined],
  ])("finds %s", async (_what, auths, registry, expected) => {
    const path = await file("auths.json", { auths });
    expect(await authFileCredentials({ path, required: true }).get(registry)).toEqual(expected);
  });

  it("runs credHelpers[host] before auths, then credsStore for the rest", async () => {
    const path = await file("helpers.json", {
      credHelpers: { "helper.example:5000": "eftest" },
      auths: { "helper.example:5000": { auth: b64("file:ignored") } },
      credsStore: "eftest",
    });
    const source = authFileCredentials({ path, required: true, env });
    expect(await source.get("helper.example:5000")).toEqual({
      username: "helper-user",
      password: "helper-secret",
    });
    expect(await source.get("docker.io")).toEqual({ identityToken: "hub-identity" });
    expect(await source.get("unknown.example")).toBeUndefined();
  });

  it("reads the file again on every lookup (docker login takes effect at the next pull)", async () => {
    const path = await file("changing.json", {});
    const source = authFileCredentials({ path, required: true });
    expect(await source.get("r.example")).toBeUndefined();
    await file("changing.json", { auths: { "r.example": { auth: b64("u:new") } } });
    expect(await source.get("r.example")).toEqual({ username: "u", password: "new" });
  });

  it("a missing default file is anonymous; a missing configured one is CONFIG_INVALID", async () => {
    const path = join(tmp.path, "absent.json");
    expect(await authFileCredentials({ path, required: false }).get("r.example")).toBeUndefined();
    await expect(
      authFileCredentials({ path, required: true }).get("r.example"),
    ).rejects.toMatchObject({
      code: "CONFIG_INVALID",
    });
  });

  it.each([
    ["broken JSON", "{"],
    ["a non-object", "[]"],
    ["an auth that is not user:password", { auths: { "r.example": { auth: b64("nocolon") } } }],
    ["a helper that is not installed", { credHelpers: { "r.example": "absent-helper" } }],
  ])("turns %s into CONFIG_INVALID without its content in the message", async (_what, content) => {
    const path = await file("bad.json", content);
    const error = await authFileCredentials({ path, required: true, env })
      .get("r.example")
      .catch((e: unknown) => e as Error);
    expect(error).toMatchObject({ code: "CONFIG_INVALID" });
    expect((error as Error).message).not.toContain(b64("nocolon"));
  });
});
