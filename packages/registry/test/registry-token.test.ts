// Tier 4: Debian's docker-registry with token auth. The token server is ours (startTokenServer):
// it checks Basic credentials and signs real ES256 JWTs with an x5c header, which the
// registry verifies against its rootcertbundle.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
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

beforeAll(async () => {
  registry = await startRegistry({
    mode: "token",
    users: { carol: "s3cret" },
    deny: ["secret/vault"],
    refreshTokens: { "refresh-for-carol": "carol" },
  });
});

afterAll(async () => {
  await registry?.stop();
});

async function withClient<T>(
  options: RegistryClientOptions,
  fn: (client: ReturnType<typeof createRegistryClient>) => Promise<T>,
): Promise<T> {
  const client = createRegistryClient({ retry: { attempts: 1 }, ...options });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

const carol = { username: "carol", password: "s3cret" };

describe("token auth", () => {
  it("pushes, mounts and pulls with Bearer tokens, caching one token per scope set", async () => {
    const repo = `${registry.host}/team/app`;
    const image = makeImage();
    const requests = registry.tokenServer!.requests;
    const before = requests.length;
    await withClient({ credentials: carol }, async (client) => {
      await client.pushBlob(repo, image.layer);
      await client.pushBlob(repo, image.config);
      await client.putManifest(`${repo}:v1`, {
        mediaType: OCI_MANIFEST,
        bytes: image.manifestBytes,
      });
      expect((await client.getManifest(`${repo}:v1`)).digest).toBe(image.manifestDigest);
      const pushTokens = requests
        .slice(before)
        .filter((r) => r.scopes.includes("repository:team/app:pull,push"));
      expect(pushTokens).toHaveLength(1);
      expect(pushTokens[0]!.user).toBe("carol");
      const mounted = await client.pushBlob(`${registry.host}/team/copy`, image.layer, {
        mountFrom: repo,
      });
      expect(mounted.status).toBe("mounted");
      expect(requests.at(-1)!.scopes.sort()).toEqual([
        "repository:team/app:pull",
        "repository:team/copy:pull,push",
      ]);
    });
    const inspected = await skopeoInspect(registry, `${repo}:v1`);
    expect(inspected.Digest).toBe(image.manifestDigest);
  });

  it("parallel pushes share one token request", async () => {
    const requests = registry.tokenServer!.requests;
    const before = requests.length;
    await withClient({ credentials: carol }, async (client) => {
      const blobs = [randomBlob(100), randomBlob(200), randomBlob(300), randomBlob(400)];
      const results = await Promise.all(
        blobs.map((b) => client.pushBlob(`${registry.host}/team/parallel`, b)),
      );
      expect(results.map((r) => r.status)).toEqual([
        "uploaded",
        "uploaded",
        "uploaded",
        "uploaded",
      ]);
    });
    expect(requests.slice(before).map((r) => r.scopes)).toEqual([
      ["repository:team/parallel:pull,push"],
    ]);
  });

  it("fetches a new token when the cached one expires (injected clock)", async () => {
    let now = Date.now();
    const requests = registry.tokenServer!.requests;
    await withClient({ credentials: carol, now: () => now }, async (client) => {
      await client.listTags(`${registry.host}/team/app`);
      const after = requests.length;
      await client.listTags(`${registry.host}/team/app`);
      expect(requests.length).toBe(after);
      now += 3_600_000;
      await client.listTags(`${registry.host}/team/app`);
      expect(requests.length).toBe(after + 1);
    });
  });

  it("identity tokens (docker config identitytoken, or a helper's <token> user) use the OAuth2 refresh grant", async () => {
    const dir = await mkdtemp(join(tmpdir(), "eventflow-idtoken-"));
    try {
      await writeFile(
        join(dir, "config.json"),
        JSON.stringify({ auths: { [registry.host]: { identitytoken: "refresh-for-carol" } } }),
      );
      const before = registry.tokenServer!.requests.length;
      await withClient(
        { credentials: dockerConfigCredentials({ configDir: dir }) },
        async (client) => {
          await client.pushBlob(`${registry.host}/team/idtoken`, randomBlob(64));
        },
      );
      expect(registry.tokenServer!.requests.slice(before).map((r) => r.user)).toEqual(["carol"]);
      await withClient({ credentials: { identityToken: "stale" } }, async (client) => {
        await rejectsWithCode(
          client.listTags(`${registry.host}/team/app`),
          "REGISTRY_UNAUTHORIZED",
        );
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("wrong password -> REGISTRY_UNAUTHORIZED from the token server", async () => {
    await withClient({ credentials: { username: "carol", password: "nope" } }, async (client) => {
      const error = await rejectsWithCode(
        client.getManifest(`${registry.host}/team/app:v1`),
        "REGISTRY_UNAUTHORIZED",
      );
      expect(error.message).toContain("carol");
    });
  });

  it("anonymous -> REGISTRY_UNAUTHORIZED (the registry wants a login)", async () => {
    await withClient({}, async (client) => {
      await rejectsWithCode(
        client.getManifest(`${registry.host}/team/app:v1`),
        "REGISTRY_UNAUTHORIZED",
      );
    });
  });

  it("a repository the token server refuses -> REGISTRY_DENIED for push, pull and checkAccess", async () => {
    await withClient({ credentials: carol }, async (client) => {
      const repo = `${registry.host}/secret/vault`;
      const error = await rejectsWithCode(
        client.pushBlob(repo, randomBlob(100)),
        "REGISTRY_DENIED",
      );
      expect(error.message).toContain("secret/vault");
      await rejectsWithCode(client.getManifest(`${repo}:v1`), "REGISTRY_DENIED");
      await rejectsWithCode(client.checkAccess(repo, "push"), "REGISTRY_DENIED");
      await expect(
        client.checkAccess(`${registry.host}/team/app`, "push"),
      ).resolves.toBeUndefined();
    });
  });
});

describe("token auth over TLS", () => {
  it("works with the CA; the token realm stays on its own (plain, loopback) origin", async () => {
    const secure = await startRegistry({ mode: "token", tls: true, users: { dave: "pw" } });
    try {
      expect(secure.url.startsWith("https://")).toBe(true);
      const image = makeImage();
      await withClient(
        { credentials: { username: "dave", password: "pw" }, ca: secure.ca! },
        async (client) => {
          await client.pushBlob(`${secure.host}/tls/app`, image.layer);
          expect(await client.hasBlob(`${secure.host}/tls/app`, image.layer.digest)).toBe(true);
        },
      );
      await withClient({ credentials: { username: "dave", password: "pw" } }, async (client) => {
        await rejectsWithCode(
          client.hasBlob(`${secure.host}/tls/app`, image.layer.digest),
          "REGISTRY_UNREACHABLE",
        );
      });
    } finally {
      await secure.stop();
    }
  });
});
