import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isEventFlowError, type EventFlowError } from "@eventflow/protocol";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SECRETS_DIR, readSecret, readSecretText, secretPath } from "../src/secrets.js";

function thrown(work: () => unknown): EventFlowError {
  let error: unknown;
  try {
    work();
  } catch (e) {
    error = e;
  }
  if (!isEventFlowError(error)) throw new Error(`expected an EventFlowError, got ${String(error)}`);
  return error;
}

describe("@eventflow/sdk/secrets", () => {
  let root: string;
  let dir: string;
  const saved = process.env.EVENTFLOW_SECRETS_DIR;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "sdk-secrets-"));
    dir = join(root, "secrets");
    await mkdir(join(dir, "stripe"), { recursive: true });
    await writeFile(join(dir, "stripe", "api-key"), "sk_test_123\n");
    await writeFile(join(dir, "stripe", "cert.der"), Buffer.from([0, 255, 1, 254]));
    // Outside the secrets directory: what a traversal would try to reach.
    await writeFile(join(root, "outside"), "not a secret of this function");
    await mkdir(join(dir, "stripe", "sub"));
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.EVENTFLOW_SECRETS_DIR;
    else process.env.EVENTFLOW_SECRETS_DIR = saved;
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("reads a key as bytes and as text from EVENTFLOW_SECRETS_DIR", () => {
    process.env.EVENTFLOW_SECRETS_DIR = dir;
    expect(readSecretText("stripe", "api-key")).toBe("sk_test_123\n");
    const bytes = readSecret("stripe", "cert.der");
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect([...bytes]).toEqual([0, 255, 1, 254]);
  });

  it("defaults to /var/eventflow/secrets, and options.dir wins over the environment", () => {
    delete process.env.EVENTFLOW_SECRETS_DIR;
    expect(DEFAULT_SECRETS_DIR).toBe("/var/eventflow/secrets");
    expect(secretPath("stripe", "api-key")).toBe("/var/eventflow/secrets/stripe/api-key");
    process.env.EVENTFLOW_SECRETS_DIR = "/nowhere";
    expect(readSecretText("stripe", "api-key", { dir })).toBe("sk_test_123\n");
  });

  it.each([
    ["name", "..", "api-key"],
    ["name", "../secrets/stripe", "api-key"],
    ["name", "/etc", "passwd"],
    ["name", "Stripe", "api-key"],
    ["name", "", "api-key"],
    ["key", "stripe", ".."],
    ["key", "stripe", "."],
    ["key", "stripe", "../../outside"],
    ["key", "stripe", "sub/../api-key"],
    ["key", "stripe", "a\u0000b"],
    ["key", "stripe", ""],
  ])("refuses a %s that could escape or no secret can have: %j %j", (field, name, key) => {
    const error = thrown(() => readSecret(name, key, { dir }));
    expect(error.code).toBe("SECRET_REF_INVALID");
    expect(error.details).toEqual([{ path: field, message: expect.any(String) }]);
  });

  it("a missing key or secret: SECRET_NOT_MOUNTED naming the path and what to add to the spec", () => {
    const error = thrown(() => readSecret("github", "token", { dir }));
    expect(error.code).toBe("SECRET_NOT_MOUNTED");
    expect(error.details).toEqual({
      name: "github",
      key: "token",
      path: join(dir, "github", "token"),
    });
    expect(error.message).toContain(join(dir, "github", "token"));
    expect(error.message).toContain("secrets: [{ name: github }]");
    const missingKey = thrown(() => readSecretText("stripe", "webhook-secret", { dir }));
    expect(missingKey.code).toBe("SECRET_NOT_MOUNTED");
  });

  it("a directory where a key should be: SECRET_NOT_MOUNTED, and no value in any message", async () => {
    const error = thrown(() => readSecret("stripe", "sub", { dir }));
    expect(error.code).toBe("SECRET_NOT_MOUNTED");
    // A key file that is a link to a missing target (a half-updated mount) names the path only.
    await symlink(join(root, "gone"), join(dir, "stripe", "dangling"));
    const dangling = thrown(() => readSecret("stripe", "dangling", { dir }));
    expect(dangling.code).toBe("SECRET_NOT_MOUNTED");
    for (const e of [error, dangling]) expect(e.message).not.toContain("sk_test_123");
  });
});
