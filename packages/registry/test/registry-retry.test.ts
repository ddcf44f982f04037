// Tier 4: retries and backoff. A small proxy in front of the real registry injects 503s,
// 429s and dropped connections; a closed port stands for a registry that is down. Sleeps
// go through an injected function, so delays are recorded, not waited for.
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OCI_MANIFEST, createRegistryClient, type RegistryClient } from "../src/index.ts";
import { freePort, startRegistry, type TestRegistry } from "../../../test/registry/index.ts";
import { makeImage, rejectsWithCode } from "./helpers.ts";

let registry: TestRegistry;
let proxy: Server;
let proxyHost: string;
/** What the proxy does to the next requests whose path matches: consumed front to back. */
let faults: { match: RegExp; action: "503" | "429" | "drop" | "truncate" }[] = [];
let seen = 0;

beforeAll(async () => {
  registry = await startRegistry({ mode: "plain" });
  const target = new URL(registry.url);
  proxy = createServer((req, res) => {
    seen++;
    const fault = faults.findIndex((f) => f.match.test(req.url ?? ""));
    if (fault !== -1) {
      const action = faults.splice(fault, 1)[0]!.action;
      if (action === "drop") return req.socket.destroy();
      if (action === "truncate") {
        // Promise a large body, send a little, then cut the connection.
        res.writeHead(200, {
          "content-length": "100000",
          "content-type": "application/octet-stream",
        });
        res.write(Buffer.alloc(1000));
        return setTimeout(() => req.socket.destroy(), 20);
      }
      req.resume();
      const headers =
        action === "429"
          ? { "retry-after": "0.05", "content-type": "application/json" }
          : { "content-type": "application/json" };
      const code = action === "429" ? "TOOMANYREQUESTS" : "UNAVAILABLE";
      return res
        .writeHead(Number(action), headers)
        .end(JSON.stringify({ errors: [{ code, message: "injected" }] }));
    }
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  proxyHost = `127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterAll(async () => {
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await registry?.stop();
});

function recordingClient(attempts: number): { client: RegistryClient; sleeps: number[] } {
  const sleeps: number[] = [];
  const client = createRegistryClient({
    retry: {
      attempts,
      baseMs: 100,
      maxMs: 1000,
      random: () => 0.5,
      sleep: async (ms) => void sleeps.push(ms),
    },
  });
  return { client, sleeps };
}

describe("retries with backoff", () => {
  it("retries 503s with exponential backoff, then succeeds", async () => {
    const { client, sleeps } = recordingClient(4);
    try {
      const repo = `${proxyHost}/retry/app`;
      const image = makeImage();
      await client.pushBlob(repo, image.layer);
      await client.pushBlob(repo, image.config);
      await client.putManifest(`${repo}:v1`, {
        mediaType: OCI_MANIFEST,
        bytes: image.manifestBytes,
      });
      faults = [
        { match: /manifests\/v1/, action: "503" },
        { match: /manifests\/v1/, action: "503" },
        { match: /manifests\/v1/, action: "503" },
      ];
      const got = await client.getManifest(`${repo}:v1`);
      expect(got.digest).toBe(image.manifestDigest);
      expect(sleeps).toEqual([75, 150, 300]);
    } finally {
      await client.close();
    }
  });

  it("gives up after the bounded attempts with REGISTRY_UNAVAILABLE", async () => {
    const { client, sleeps } = recordingClient(3);
    try {
      faults = Array.from({ length: 3 }, () => ({ match: /tags\/list/, action: "503" as const }));
      const error = await rejectsWithCode(
        client.listTags(`${proxyHost}/retry/app`),
        "REGISTRY_UNAVAILABLE",
      );
      expect(error).toMatchObject({ retryable: true, details: { status: 503 } });
      expect(sleeps).toEqual([75, 150]);
      expect(faults).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it("waits retry-after on 429, then REGISTRY_TOO_MANY_REQUESTS when it persists", async () => {
    const { client, sleeps } = recordingClient(2);
    try {
      faults = [
        { match: /tags\/list/, action: "429" },
        { match: /tags\/list/, action: "429" },
      ];
      await rejectsWithCode(
        client.listTags(`${proxyHost}/retry/app`),
        "REGISTRY_TOO_MANY_REQUESTS",
      );
      expect(sleeps).toEqual([50]);
    } finally {
      await client.close();
    }
  });

  it("retries a dropped connection", async () => {
    const { client, sleeps } = recordingClient(3);
    try {
      faults = [{ match: /tags\/list/, action: "drop" }];
      expect(await client.listTags(`${proxyHost}/retry/app`)).toEqual(["v1"]);
      expect(sleeps).toEqual([75]);
    } finally {
      await client.close();
    }
  });

  it("restarts a blob upload whose PATCH hit a 503", async () => {
    const { client, sleeps } = recordingClient(3);
    try {
      const image = makeImage();
      faults = [{ match: /blobs\/uploads\/.+/, action: "503" }];
      const before = seen;
      expect(
        await client.pushBlob(`${proxyHost}/retry/chunks`, image.layer, { chunkSize: 512 }),
      ).toEqual({ status: "uploaded" });
      expect(seen - before).toBeGreaterThan(4);
      expect(sleeps).toEqual([75]);
      expect(await client.hasBlob(`${proxyHost}/retry/chunks`, image.layer.digest)).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe("bounded upload retries", () => {
  it("a registry refusing to start uploads is retried per request only, not per upload", async () => {
    const { client, sleeps } = recordingClient(3);
    try {
      faults = Array.from({ length: 3 }, () => ({
        match: /blobs\/uploads\/$/,
        action: "503" as const,
      }));
      await rejectsWithCode(
        client.pushBlob(`${proxyHost}/retry/refused`, makeImage().layer),
        "REGISTRY_UNAVAILABLE",
      );
      expect(sleeps).toEqual([75, 150]);
      expect(faults).toEqual([]);
    } finally {
      await client.close();
    }
  });
});

describe("broken downloads", () => {
  it("a connection cut mid-blob fails the stream with REGISTRY_UNREACHABLE", async () => {
    const { client } = recordingClient(1);
    try {
      const image = makeImage();
      await client.pushBlob(`${proxyHost}/retry/cut`, image.layer);
      faults = [{ match: /blobs\/sha256/, action: "truncate" }];
      await rejectsWithCode(
        client.getBlobBytes(`${proxyHost}/retry/cut`, image.layer.digest),
        "REGISTRY_UNREACHABLE",
      );
    } finally {
      await client.close();
    }
  });
});

describe("registry down", () => {
  it("fails with REGISTRY_UNREACHABLE after bounded retries", async () => {
    const port = await freePort();
    const { client, sleeps } = recordingClient(3);
    try {
      const error = await rejectsWithCode(
        client.getManifest(`127.0.0.1:${port}/down/app:v1`),
        "REGISTRY_UNREACHABLE",
      );
      expect(error).toMatchObject({
        retryable: true,
        details: { registry: `127.0.0.1:${port}`, cause: "ECONNREFUSED" },
      });
      expect(sleeps).toEqual([75, 150]);
    } finally {
      await client.close();
    }
  });

  it("is fast with the default policy and real timers", async () => {
    const port = await freePort();
    const client = createRegistryClient();
    const started = performance.now();
    try {
      await rejectsWithCode(
        client.pushBlob(`127.0.0.1:${port}/down/app`, makeImage().layer),
        "REGISTRY_UNREACHABLE",
      );
    } finally {
      await client.close();
    }
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
