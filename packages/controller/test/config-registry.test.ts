import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { TEST_SECRET } from "./support/harness.js";

// Registry settings of the controller's config: the auth file and CA are read at startup so
// a typo fails the start, not the first deploy.
let dir: string;
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

function issues(env: Record<string, string>): Array<{ path: string }> {
  try {
    parseConfig(env);
  } catch (error) {
    expect((error as { code: string }).code).toBe("CONFIG_INVALID");
    return (error as { details: Array<{ path: string }> }).details;
  }
  throw new Error("expected CONFIG_INVALID");
}

const paths = (env: Record<string, string>) => issues(env).map((i) => i.path);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "eventflow-config-registry-"));
  await writeFile(
    join(dir, "good.json"),
    JSON.stringify({ auths: { "r:5000": { auth: "eDp5" } } }),
  );
  await writeFile(join(dir, "helpers.json"), JSON.stringify({ credHelpers: { "r:5000": "pass" } }));
  await writeFile(join(dir, "broken.json"), "{ not json");
  await writeFile(join(dir, "array.json"), "[]");
  await writeFile(join(dir, "bad-auths.json"), JSON.stringify({ auths: { r: "user:pw" } }));
  await writeFile(join(dir, "bad-helpers.json"), JSON.stringify({ credHelpers: { r: 1 } }));
  await writeFile(join(dir, "bad-store.json"), JSON.stringify({ credsStore: ["x"] }));
  await writeFile(join(dir, "ca.pem"), PEM);
  await writeFile(join(dir, "not-a-cert.pem"), "hello");
  await mkdir(join(dir, "home", ".docker"), { recursive: true });
  await mkdir(join(dir, "dockercfg"), { recursive: true });
  await writeFile(join(dir, "dockercfg", "config.json"), "{ broken");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("registry configuration", () => {
  const base = () => ({ JWT_SECRET: TEST_SECRET, HOME: join(dir, "home") });

  it("defaults to the docker config the CLI uses, which may be missing (anonymous pulls)", () => {
    const c = parseConfig(base());
    expect(c.registry).toEqual({
      authFile: join(dir, "home", ".docker", "config.json"),
      authFileRequired: false,
    });
    expect(Object.isFrozen(c.registry)).toBe(true);
    expect(c.kubernetes.imagePullSecrets).toEqual([]);
  });

  it("follows DOCKER_CONFIG like docker and the CLI, and checks that file too", () => {
    expect(paths({ ...base(), DOCKER_CONFIG: join(dir, "dockercfg") })).toEqual([
      "EVENTFLOW_REGISTRY_AUTH_FILE",
    ]);
    expect(parseConfig({ ...base(), DOCKER_CONFIG: join(dir, "nowhere") }).registry.authFile).toBe(
      join(dir, "nowhere", "config.json"),
    );
  });

  it.each(["good.json", "helpers.json"])(
    "accepts an explicit auth file %s (any name, contents not kept in the config)",
    (file) => {
      const c = parseConfig({ ...base(), EVENTFLOW_REGISTRY_AUTH_FILE: join(dir, file) });
      expect(c.registry).toEqual({ authFile: join(dir, file), authFileRequired: true });
      expect(JSON.stringify(c)).not.toContain("eDp5");
    },
  );

  it.each([
    ["missing", "missing.json"],
    ["a directory (unreadable as a file)", "home"],
    ["not JSON", "broken.json"],
    ["not an object", "array.json"],
    ["auths entries not objects", "bad-auths.json"],
    ["credHelpers not helper names", "bad-helpers.json"],
    ["credsStore not a name", "bad-store.json"],
  ])("rejects an explicit auth file that is %s", (_why, file) => {
    expect(paths({ ...base(), EVENTFLOW_REGISTRY_AUTH_FILE: join(dir, file) })).toEqual([
      "EVENTFLOW_REGISTRY_AUTH_FILE",
    ]);
  });

  it("reads the CA file at startup and rejects a missing or non-PEM one", () => {
    expect(
      parseConfig({ ...base(), EVENTFLOW_REGISTRY_CA_FILE: join(dir, "ca.pem") }).registry.ca,
    ).toBe(PEM);
    for (const file of ["none.pem", "not-a-cert.pem"])
      expect(paths({ ...base(), EVENTFLOW_REGISTRY_CA_FILE: join(dir, file) })).toEqual([
        "EVENTFLOW_REGISTRY_CA_FILE",
      ]);
  });

  it("reports file problems together with the other bad variables", () => {
    expect(
      paths({
        HOME: join(dir, "home"),
        PORT: "-1",
        EVENTFLOW_REGISTRY_AUTH_FILE: join(dir, "missing.json"),
        EVENTFLOW_REGISTRY_CA_FILE: join(dir, "none.pem"),
        EVENTFLOW_IMAGE_PULL_SECRETS: "Bad_Name",
      })
        .map((p) => p.split(".")[0])
        .sort(),
    ).toEqual([
      "EVENTFLOW_IMAGE_PULL_SECRETS",
      "EVENTFLOW_REGISTRY_AUTH_FILE",
      "EVENTFLOW_REGISTRY_CA_FILE",
      "JWT_SECRET",
      "PORT",
    ]);
  });

  it.each([
    ["regcred", ["regcred"]],
    [" regcred , other.secret ,regcred,", ["regcred", "other.secret"]],
    ["", []],
  ])("EVENTFLOW_IMAGE_PULL_SECRETS=%j gives %j", (value, expected) => {
    expect(
      parseConfig({ ...base(), EVENTFLOW_IMAGE_PULL_SECRETS: value }).kubernetes.imagePullSecrets,
    ).toEqual(expected);
  });

  it.each(["Regcred", "reg_cred", "-regcred", "a,,B", "x".repeat(254)])(
    "rejects the Secret name list %j",
    (value) => {
      expect(paths({ ...base(), EVENTFLOW_IMAGE_PULL_SECRETS: value })).toEqual([
        expect.stringMatching(/^EVENTFLOW_IMAGE_PULL_SECRETS/),
      ]);
    },
  );
});
