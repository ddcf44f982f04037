import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EventFlowError } from "@eventflow/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FunctionSpec } from "../../src/drivers/driver.js";
import {
  createSecretDelivery,
  prepareReplicaSecrets,
  usersOfSecret,
} from "../../src/drivers/local/replica-secrets.js";
import type { LocalSecrets } from "../../src/drivers/local/secret-store.js";
import { tempDir } from "./helpers/driver-harness.js";

// The steps of handing secrets to one replica, alone: which functions a change rolls, where a
// replica's files go, what it gets, and what is refused. (The store is an in-memory stand-in
// here; secret-store.test.ts and the API tests use the real sealed one.)
const values: Record<string, Record<string, Buffer>> = {
  api: { token: Buffer.from("t0k3n"), bin: Buffer.from([0, 1, 2]) },
};
const secrets: Pick<LocalSecrets, "open"> = {
  async open(_tenant, name) {
    const v = values[name];
    if (!v) throw new EventFlowError("SECRET_NOT_FOUND", `secret ${name} not found`);
    return new Map(Object.entries(v));
  },
};
const spec = (refs: FunctionSpec["secrets"]): FunctionSpec => ({
  tenant: "acme",
  name: "pay",
  image: "x",
  replicas: 1,
  secrets: refs,
});

describe("replica secrets (steps)", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir("replica-secrets");
  });
  afterEach(() => dir.cleanup());

  it("rolls only the tenant's functions that name the secret", () => {
    const fns = [
      { spec: spec([{ name: "api", mount: "files" }]) },
      { spec: { ...spec([{ name: "api", mount: "files" }]), tenant: "other" } },
      { spec: spec([{ name: "db", mount: "env" }]) },
      { spec: spec(undefined) },
    ];
    expect(usersOfSecret(fns, "acme", "api")).toEqual([fns[0]]);
  });

  it("writes files 0400 in the replica's own directory, env apart, and removes them", async () => {
    const out = join(dir.path, "r1");
    const got = await prepareReplicaSecrets({
      secrets: secrets as LocalSecrets,
      spec: spec([
        { name: "api", mount: "files" },
        { name: "api", mount: "env", keys: ["token"] },
      ]),
      dir: out,
    });
    expect(got.env).toEqual({ token: "t0k3n" });
    expect(readFileSync(join(out, "api", "bin"))).toEqual(Buffer.from([0, 1, 2]));
    expect(statSync(join(out, "api", "token")).mode & 0o777).toBe(0o400);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    got.remove();
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a deleted secret, a missing key and a NUL byte for env, writing nothing", async () => {
    const cases: [NonNullable<FunctionSpec["secrets"]>, RegExp][] = [
      [[{ name: "gone", mount: "files" }], /secret gone does not exist/],
      [[{ name: "api", mount: "files", keys: ["nope"] }], /has no key nope/],
      [[{ name: "api", mount: "env", keys: ["bin"] }], /NUL byte/],
    ];
    for (const [refs, message] of cases) {
      const out = join(dir.path, "refused");
      await expect(
        prepareReplicaSecrets({
          secrets: secrets as LocalSecrets,
          spec: spec(refs),
          dir: out,
        }),
      ).rejects.toMatchObject({
        code: "FUNCTION_SECRET_MISSING",
        message: expect.stringMatching(message),
      });
      expect(existsSync(out)).toBe(false);
    }
  });

  it("puts a user's replicas under its own directory, others under replica-secrets; cleans both", async () => {
    const userDir = join(dir.path, "replicas", "310000", "secrets");
    const delivery = createSecretDelivery({
      dataDir: dir.path,
      secrets: secrets as LocalSecrets,
      userOf: (tenant) =>
        tenant === "acme" ? { uid: process.getuid!(), gid: process.getgid!() } : undefined,
      userSecretsDir: () => {
        mkdirSync(userDir, { recursive: true });
        return userDir;
      },
    });
    const own = await delivery.prepare(spec([{ name: "api", mount: "files" }]), "pay-1");
    expect(own.dir).toBe(join(userDir, "pay-1"));
    const other = await delivery.prepare(
      { ...spec([{ name: "api", mount: "files" }]), tenant: "globex" },
      "pay-1",
    );
    expect(other.dir).toBe(join(dir.path, "replica-secrets", "globex", "pay", "pay-1"));
    writeFileSync(join(dir.path, "keep"), "x");
    delivery.removeStale();
    expect(existsSync(join(userDir))).toBe(false);
    expect(existsSync(join(dir.path, "replica-secrets"))).toBe(false);
    expect(existsSync(join(dir.path, "keep"))).toBe(true);
  });
});
