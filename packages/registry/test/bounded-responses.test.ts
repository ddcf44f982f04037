// A registry that never ends its answers (a hostile or broken server, which the real
// registry used by the other tiers cannot be made into): every body the client reads whole
// is refused past its limit, and the connection is dropped instead of buffered.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistryClient, type RegistryClient } from "../src/index.ts";
import { rejectsWithCode } from "./helpers.ts";

const DIGEST = `sha256:${"a".repeat(64)}`;
const MiB = 1024 * 1024;
let server: Server;
let host: string;
let client: RegistryClient;
/** Bytes written to the response that is streaming now. */
let sent = 0;

/** Writes 1 MiB chunks until the client goes away (or 256 MiB, the test's own bound). */
function endless(res: ServerResponse, status: number, type: string): void {
  res.writeHead(status, { "content-type": type });
  sent = 0;
  const chunk = Buffer.alloc(MiB, 0x20);
  const more = () => {
    while (sent < 256 * MiB && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", more);
    }
    res.end();
  };
  more();
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? "/";
    if (url === "/v2/") return void res.writeHead(200).end("{}");
    if (url.startsWith("/v2/broken/")) return endless(res, 500, "text/html");
    if (url.includes("/manifests/"))
      return endless(res, 200, "application/vnd.oci.image.manifest.v1+json");
    if (url.endsWith("/tags/list")) return endless(res, 200, "application/json");
    if (url.includes("/blobs/")) return endless(res, 200, "application/octet-stream");
    return endless(res, 500, "text/html");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = createRegistryClient({ retry: { attempts: 1 } });
});

afterAll(async () => {
  await client?.close();
  server?.closeAllConnections();
  server?.close();
});

describe("answers without end", () => {
  it("a manifest is refused past 4 MiB", async () => {
    await rejectsWithCode(client.getManifest(`${host}/app:v1`), "REGISTRY_PROTOCOL_ERROR");
    expect(sent).toBeLessThan(64 * MiB);
  });

  it("a tag list is refused past 16 MiB", async () => {
    await rejectsWithCode(client.listTags(`${host}/app`), "REGISTRY_PROTOCOL_ERROR");
    expect(sent).toBeLessThan(64 * MiB);
  });

  it("a blob read into memory is refused past 16 MiB", async () => {
    await rejectsWithCode(client.getBlobBytes(`${host}/app`, DIGEST), "REGISTRY_PROTOCOL_ERROR");
    expect(sent).toBeLessThan(64 * MiB);
  });

  it("an error page is read for its first 64 KiB only", async () => {
    const error = await client.listTags(`${host}/broken`).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(error?.code).toMatch(/^REGISTRY_/);
    expect(error!.message.length).toBeLessThan(70 * 1024);
    expect(sent).toBeLessThan(64 * MiB);
  });
});
