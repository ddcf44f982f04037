import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  mintToken,
  startLocalDriverApp,
  waitForFunction,
  type LocalDriverApp,
  type TestApp,
} from "../support/harness.js";

// Tenant-scoped secrets over the real local driver: values go in through /v1/secrets and on to
// the replicas that use them (files and env), never back out (answers, logs, the database).
const TOKEN_VALUE = "sk-live-7f3a9c1e5b2d";
const ROTATED = "sk-live-rotated-8e4b";
const BINARY = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x41]);

describe("secrets over the real local driver", () => {
  let local: LocalDriverApp;
  let app: TestApp;
  let image: string;
  let acme: string;
  let acmeViewer: string;
  let globex: string;
  const waitReady = (token: string, name: string) =>
    waitForFunction(app, token, name, (f) => f.ready_replicas === 1 && f.updated_replicas === 1);

  beforeAll(async () => {
    local = await startLocalDriverApp("secrets");
    ({ app, image } = local);
    acme = await mintToken({ tenant: "acme", role: "developer" });
    acmeViewer = await mintToken({ tenant: "acme", role: "viewer" });
    globex = await mintToken({ tenant: "globex", role: "developer" });
  }, 60_000);
  afterAll(() => local?.close());

  it("creates a secret and answers its key names, never its values", async () => {
    const created = await call(app.url, "POST", "/v1/secrets", {
      token: acme,
      body: {
        name: "stripe",
        stringData: { TOKEN: TOKEN_VALUE },
        data: { blob: BINARY.toString("base64") },
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.headers.get("location")).toBe("/v1/secrets/stripe");
    expect(created.body).toMatchObject({
      name: "stripe",
      tenant: "acme",
      keys: ["TOKEN", "blob"],
      used_by: [],
    });
    expect(JSON.stringify(created.body)).not.toContain(TOKEN_VALUE);
    const again = await call(app.url, "POST", "/v1/secrets", {
      token: acme,
      body: { name: "stripe", stringData: { TOKEN: "other" } },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("SECRET_ALREADY_EXISTS");
    // Viewers list; they may not write.
    const listed = await call(app.url, "GET", "/v1/secrets", { token: acmeViewer });
    expect(listed.status).toBe(200);
    expect(listed.body.map((s: { name: string }) => s.name)).toEqual(["stripe"]);
    const denied = await call(app.url, "POST", "/v1/secrets", {
      token: acmeViewer,
      body: { name: "x", stringData: { a: "b" } },
    });
    expect(denied.status).toBe(403);
  });

  it("refuses bad bodies without quoting the values back", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: "bad", data: { k: `${TOKEN_VALUE}!!` } }, "data.k"],
      [{ name: "bad", stringData: { k: TOKEN_VALUE }, data: { k: "YQ==" } }, "stringData.k"],
      [{ name: "bad" }, "data"],
      [{ name: "bad", stringData: { "../etc": TOKEN_VALUE } }, "stringData"],
      [{ name: "Bad_Name", stringData: { k: TOKEN_VALUE } }, "name"],
      [{ name: "big", stringData: { k: "x".repeat(1024 * 1024 + 1) } }, "data"],
    ];
    for (const [body, path] of cases) {
      const res = await call(app.url, "POST", "/v1/secrets", { token: acme, body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe("REQUEST_VALIDATION_FAILED");
      expect(res.body.error.details.some((d: { path: string }) => d.path.startsWith(path))).toBe(
        true,
      );
      expect(JSON.stringify(res.body)).not.toContain(TOKEN_VALUE);
    }
    const broken = await call(app.url, "POST", "/v1/secrets", {
      token: acme,
      body: `{"name":"bad","stringData":{"k":"${TOKEN_VALUE}"`,
    });
    expect(broken.body.error.code).toBe("REQUEST_MALFORMED_JSON");
    expect(JSON.stringify(broken.body)).not.toContain(TOKEN_VALUE);
  });

  it("takes a full 1 MiB binary secret (a body above the API's 1 MiB limit), not more", async () => {
    const mib = Buffer.alloc(1024 * 1024, 0xab).toString("base64");
    const big = await call(app.url, "POST", "/v1/secrets", {
      token: acme,
      body: { name: "big", data: { blob: mib } },
    });
    expect(big.status, JSON.stringify(big.body).slice(0, 200)).toBe(201);
    await call(app.url, "DELETE", "/v1/secrets/big", { token: acme });
    const huge = await call(app.url, "POST", "/v1/secrets", {
      token: acme,
      body: { name: "huge", stringData: { a: "x".repeat(3 * 1024 * 1024) } },
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe("REQUEST_BODY_TOO_LARGE");
  });

  it("keeps tenants apart: another tenant neither sees nor uses the secret", async () => {
    expect((await call(app.url, "GET", "/v1/secrets", { token: globex })).body).toEqual([]);
    const get = await call(app.url, "GET", "/v1/secrets/stripe", { token: globex });
    expect(get.status).toBe(404);
    expect(get.body.error.code).toBe("SECRET_NOT_FOUND");
    const put = await call(app.url, "PUT", "/v1/secrets/stripe", {
      token: globex,
      body: { stringData: { TOKEN: "hijack" } },
    });
    expect(put.body.error.code).toBe("SECRET_NOT_FOUND");
    const del = await call(app.url, "DELETE", "/v1/secrets/stripe?force=true", { token: globex });
    expect(del.body.error.code).toBe("SECRET_NOT_FOUND");
    const steal = await call(app.url, "POST", "/v1/functions", {
      token: globex,
      body: { name: "thief", image, secrets: [{ name: "stripe" }] },
    });
    expect(steal.status).toBe(422);
    expect(steal.body.error).toMatchObject({
      code: "FUNCTION_SECRET_MISSING",
      details: { secret: "stripe" },
    });
    expect((await call(app.url, "GET", "/v1/functions/thief", { token: globex })).status).toBe(404);
  });

  it("refuses a spec naming a missing secret or key before anything is created", async () => {
    for (const secrets of [[{ name: "nope" }], [{ name: "stripe", keys: ["missing"] }]]) {
      const res = await call(app.url, "POST", "/v1/functions", {
        token: acme,
        body: { name: "early", image, secrets },
      });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("FUNCTION_SECRET_MISSING");
    }
    expect((await call(app.url, "GET", "/v1/functions/early", { token: acme })).status).toBe(404);
  });

  it("delivers files and env to the replica, and rolls it when the secret changes", async () => {
    const created = await call(app.url, "POST", "/v1/functions", {
      token: acme,
      body: {
        name: "pay",
        image,
        secrets: [{ name: "stripe", keys: ["TOKEN"], mount: "env" }],
      },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await call(app.url, "POST", "/v1/secrets", {
      token: acme,
      body: { name: "files", stringData: { "api-key": TOKEN_VALUE } },
    });
    const updated = await call(app.url, "PUT", "/v1/functions/pay", {
      token: acme,
      body: {
        image,
        secrets: [{ name: "stripe", keys: ["TOKEN"], mount: "env" }, { name: "files" }],
      },
    });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    const readFile = () =>
      call(app.url, "GET", "/fn/acme/pay/?op=secret&name=files&key=api-key", { token: acme });
    /** Reads the file until a replica of the rollout answers `value` (the old one may still). */
    async function until(value: string) {
      const deadline = Date.now() + 20_000;
      let res = await readFile();
      while (Date.now() < deadline && res.body?.value !== value) {
        await new Promise((r) => setTimeout(r, 100));
        res = await readFile();
      }
      return res;
    }
    const file = await until(TOKEN_VALUE);
    expect(file.status, JSON.stringify(file.body)).toBe(200);
    expect(file.body.value).toBe(TOKEN_VALUE);
    await waitReady(acme, "pay");
    const env = await call(app.url, "GET", "/fn/acme/pay/?op=env&var=TOKEN", { token: acme });
    expect(env.body).toEqual({ value: TOKEN_VALUE });
    // The replica's own directory: files 0400, none of another replica's or tenant's.
    const dir = file.body.dir as string;
    expect(statSync(join(dir, "files", "api-key")).mode & 0o777).toBe(0o400);
    expect(readdirSync(dir)).toEqual(["files"]);
    const info = await call(app.url, "GET", "/v1/secrets/files", { token: acme });
    expect(info.body.used_by).toEqual(["pay"]);

    const rotated = await call(app.url, "PUT", "/v1/secrets/files", {
      token: acme,
      body: { stringData: { "api-key": ROTATED } },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.version).not.toBe(info.body.version);
    expect(rotated.body.created_at).toBe(info.body.created_at);
    expect((await until(ROTATED)).body.value).toBe(ROTATED);
    // The old replica's files went with it.
    const gone = Date.now() + 10_000;
    while (Date.now() < gone && readdirSync(join(dir, "..")).length > 1)
      await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(join(dir, ".."))).toHaveLength(1);
  }, 60_000);

  it("refuses an update that drops a key a function names; one mounting every key takes it", async () => {
    const refused = await call(app.url, "PUT", "/v1/secrets/stripe", {
      token: acme,
      body: { stringData: { OTHER: "x" } },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: "SECRET_IN_USE",
      details: { functions: ["pay"], keys: ["TOKEN"] },
    });
    expect((await call(app.url, "GET", "/v1/secrets/stripe", { token: acme })).body.keys).toEqual([
      "TOKEN",
      "blob",
    ]);
    // "files" is mounted whole by pay: a new set of keys is fine.
    const whole = await call(app.url, "PUT", "/v1/secrets/files", {
      token: acme,
      body: { stringData: { "api-key": ROTATED, extra: "y" } },
    });
    expect(whole.status).toBe(200);
  });

  it("refuses to delete a secret in use unless forced; the function then cannot restart", async () => {
    const refused = await call(app.url, "DELETE", "/v1/secrets/files", { token: acme });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: "SECRET_IN_USE",
      details: { functions: ["pay"] },
    });
    const forced = await call(app.url, "DELETE", "/v1/secrets/files?force=true", { token: acme });
    expect(forced.status).toBe(204);
    expect((await call(app.url, "GET", "/v1/secrets/files", { token: acme })).status).toBe(404);
    // A spec naming it is refused; a new replica of the running function cannot start and the
    // function says which secret is missing.
    const stuck = await call(app.url, "PUT", "/v1/functions/pay", {
      token: acme,
      body: { image, secrets: [{ name: "files" }] },
    });
    expect(stuck.body.error.code).toBe("FUNCTION_SECRET_MISSING");
    await call(app.url, "POST", "/v1/functions/pay:scale", { token: acme, body: { replicas: 2 } });
    const deadline = Date.now() + 10_000;
    let status = await call(app.url, "GET", "/v1/functions/pay", { token: acme });
    while (Date.now() < deadline && status.body.last_error === undefined) {
      await new Promise((r) => setTimeout(r, 50));
      status = await call(app.url, "GET", "/v1/functions/pay", { token: acme });
    }
    expect(status.body.last_error).toMatchObject({ code: "FUNCTION_SECRET_MISSING" });
    expect(status.body.ready_replicas).toBe(1);
    // Creating it again lets the function start its replicas.
    await call(app.url, "POST", "/v1/secrets", {
      token: acme,
      body: { name: "files", stringData: { "api-key": ROTATED } },
    });
    const back = Date.now() + 20_000;
    while (Date.now() < back && status.body.ready_replicas !== 2) {
      await new Promise((r) => setTimeout(r, 100));
      status = await call(app.url, "GET", "/v1/functions/pay", { token: acme });
    }
    expect(status.body.ready_replicas).toBe(2);
  }, 60_000);

  it("never writes a value in clear: not in the database, its backups, or the logs", async () => {
    const { dataDir } = local;
    const key = statSync(join(dataDir, "secret.key"));
    expect(key.mode & 0o777).toBe(0o600);
    const files = readdirSync(dataDir).filter((f) => f.startsWith("eventflow.db"));
    expect(files.length).toBeGreaterThan(0);
    const needles = [TOKEN_VALUE, ROTATED].flatMap((v) => [
      Buffer.from(v),
      Buffer.from(Buffer.from(v).toString("base64")),
    ]);
    for (const f of files) {
      const bytes = readFileSync(join(dataDir, f));
      for (const needle of needles) expect(bytes.includes(needle), f).toBe(false);
    }
    const logs = JSON.stringify(app.logs);
    expect(logs).toContain("secret created");
    for (const v of [TOKEN_VALUE, ROTATED]) expect(logs).not.toContain(v);
  });
});
