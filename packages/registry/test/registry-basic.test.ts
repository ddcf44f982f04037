// Tier 4: Debian's docker-registry with TLS (a CA made by openssl for this run) and
// htpasswd Basic auth; credentials from flags and from a docker config, including a
// docker-credential-* helper program written by the test.
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  OCI_MANIFEST,
  createRegistryClient,
  dockerConfigCredentials,
  type RegistryClientOptions,
} from "../src/index.ts";
import { skopeoInspect, startRegistry, type TestRegistry } from "../../../test/registry/index.ts";
import { makeImage, randomBlob, rejectsWithCode } from "./helpers.ts";

let registry: TestRegistry;
let work: string;

beforeAll(async () => {
  registry = await startRegistry({
    mode: "basic",
    users: { alice: "correct horse", bob: "battery staple" },
  });
  work = await mkdtemp(join(tmpdir(), "eventflow-registry-basic-"));
});

afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Runs `fn` with a client made of `options` plus the registry's CA, then closes it. */
async function withClient<T>(
  options: RegistryClientOptions,
  fn: (client: ReturnType<typeof createRegistryClient>) => Promise<T>,
): Promise<T> {
  const client = createRegistryClient({ ca: registry.ca!, retry: { attempts: 1 }, ...options });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

describe("TLS with Basic auth", () => {
  it("pushes and pulls an image with username and password; skopeo sees it", async () => {
    const repo = `${registry.host}/basic/app`;
    const image = makeImage();
    await withClient(
      { credentials: { username: "alice", password: "correct horse" } },
      async (client) => {
        await client.checkAccess(repo, "push");
        expect((await client.pushBlob(repo, image.layer, { chunkSize: 700 })).status).toBe(
          "uploaded",
        );
        expect((await client.pushBlob(repo, image.config)).status).toBe("uploaded");
        await client.putManifest(`${repo}:v1`, {
          mediaType: OCI_MANIFEST,
          bytes: image.manifestBytes,
        });
        expect((await client.getManifest(`${repo}:v1`)).digest).toBe(image.manifestDigest);
        expect(
          (await client.getBlobBytes(repo, image.layer.digest)).equals(image.layer.bytes),
        ).toBe(true);
      },
    );
    const inspected = await skopeoInspect(registry, `${repo}:v1`);
    expect(inspected.Digest).toBe(image.manifestDigest);
  });

  it("wrong password -> REGISTRY_UNAUTHORIZED naming the user and registry", async () => {
    await withClient({ credentials: { username: "alice", password: "wrong" } }, async (client) => {
      const error = await rejectsWithCode(
        client.getManifest(`${registry.host}/basic/app:v1`),
        "REGISTRY_UNAUTHORIZED",
      );
      expect(error.message).toContain(registry.host);
      expect(error.message).toContain("alice");
      await rejectsWithCode(
        client.checkAccess(`${registry.host}/basic/app`, "push"),
        "REGISTRY_UNAUTHORIZED",
      );
    });
  });

  it("no credentials -> REGISTRY_UNAUTHORIZED", async () => {
    await withClient({}, async (client) => {
      await rejectsWithCode(
        client.checkAccess(`${registry.host}/basic/app`, "pull"),
        "REGISTRY_UNAUTHORIZED",
      );
      await rejectsWithCode(
        client.pushBlob(`${registry.host}/basic/app`, randomBlob(10)),
        "REGISTRY_UNAUTHORIZED",
      );
    });
  });

  it("without the CA, TLS verification fails with REGISTRY_UNREACHABLE; insecure skips it", async () => {
    const creds = { username: "bob", password: "battery staple" };
    const strict = createRegistryClient({ credentials: creds, retry: { attempts: 1 } });
    try {
      const error = await rejectsWithCode(
        strict.listTags(`${registry.host}/basic/app`),
        "REGISTRY_UNREACHABLE",
      );
      expect(error.details).toMatchObject({ registry: registry.host });
    } finally {
      await strict.close();
    }
    const insecure = createRegistryClient({ credentials: creds, insecure: true });
    try {
      expect(await insecure.listTags(`${registry.host}/basic/app`)).toEqual(["v1"]);
    } finally {
      await insecure.close();
    }
  });
});

describe("docker config credentials", () => {
  async function configDir(name: string, config: unknown): Promise<string> {
    const dir = join(work, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "config.json"), JSON.stringify(config));
    return dir;
  }

  it("reads base64 auths (keys with scheme and path too)", async () => {
    const auth = Buffer.from("alice:correct horse").toString("base64");
    const dir = await configDir("auths", { auths: { [`https://${registry.host}/v2/`]: { auth } } });
    await withClient(
      { credentials: dockerConfigCredentials({ configDir: dir }) },
      async (client) => {
        expect(await client.listTags(`${registry.host}/basic/app`)).toEqual(["v1"]);
      },
    );
  });

  it("honours DOCKER_CONFIG through the env it is given", async () => {
    const auth = Buffer.from("bob:battery staple").toString("base64");
    const dir = await configDir("env", { auths: { [registry.host]: { auth } } });
    const source = dockerConfigCredentials({
      env: { DOCKER_CONFIG: dir },
      homeDir: "/nonexistent",
    });
    expect(await source.get(registry.host)).toEqual({
      username: "bob",
      password: "battery staple",
    });
  });

  it("runs credHelpers and credsStore programs (docker-credential-NAME get)", async () => {
    const bin = join(work, "bin");
    await mkdir(bin, { recursive: true });
    // A credential helper per the docker protocol: server URL on stdin, JSON on stdout.
    const helper = join(bin, "docker-credential-eventflowtest");
    await writeFile(
      helper,
      [
        "#!/bin/sh",
        '[ "$1" = get ] || exit 2',
        "read -r server",
        `if [ "$server" = "${registry.host}" ]; then`,
        `  printf '{"ServerURL":"%s","Username":"alice","Secret":"correct horse"}' "$server"`,
        "else",
        "  echo 'credentials not found in native keychain'; exit 1",
        "fi",
      ].join("\n") + "\n",
    );
    await chmod(helper, 0o755);
    const env = { PATH: `${bin}:/usr/bin:/bin` };
    const viaHelpers = dockerConfigCredentials({
      configDir: await configDir("helpers", { credHelpers: { [registry.host]: "eventflowtest" } }),
      env,
    });
    const viaStore = dockerConfigCredentials({
      configDir: await configDir("store", { credsStore: "eventflowtest" }),
      env,
    });
    expect(await viaStore.get("other.example")).toBeUndefined();
    for (const credentials of [viaHelpers, viaStore]) {
      await withClient({ credentials }, async (client) => {
        expect(await client.listTags(`${registry.host}/basic/app`)).toEqual(["v1"]);
      });
    }
    const missing = dockerConfigCredentials({
      configDir: await configDir("missing-helper", { credsStore: "absent" }),
      env,
    });
    await expect(missing.get(registry.host)).rejects.toMatchObject({ code: "CONFIG_INVALID" });
  });

  it("a missing config file means anonymous; a broken one is CONFIG_INVALID", async () => {
    expect(
      await dockerConfigCredentials({ configDir: join(work, "nothing") }).get(registry.host),
    ).toBeUndefined();
    const dir = join(work, "broken");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "config.json"), "{not json");
    await expect(
      dockerConfigCredentials({ configDir: dir }).get(registry.host),
    ).rejects.toMatchObject({ code: "CONFIG_INVALID" });
  });

  it("maps Docker Hub names to the index server key", async () => {
    const auth = Buffer.from("hubuser:hubpass").toString("base64");
    const dir = await configDir("hub", { auths: { "https://index.docker.io/v1/": { auth } } });
    expect(await dockerConfigCredentials({ configDir: dir }).get("docker.io")).toEqual({
      username: "hubuser",
      password: "hubpass",
    });
  });
});
