// Private registries through the whole controller (parseConfig -> startController ->
// createDriver -> local driver): Debian's docker-registry in TLS + htpasswd mode and in token
// mode, an image pushed with credentials (the fixture app, and examples/hello built and pushed
// by the CLI), then deployed with and without an auth file.
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { createRegistryClient, pushOciLayout } from "@eventflow/registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEventflow } from "../../../../test/cli/index.ts";
import { startRegistry, type TestRegistry } from "../../../../test/registry/index.ts";
import { parseConfig } from "../../src/config.js";
import { authFileCredentials } from "../../src/drivers/local/index.js";
import { createLogger } from "../../src/logger.js";
import { startController, type StartedController } from "../../src/server.js";
import { TEST_SECRET, call } from "../support/harness.js";
import { startDriver, tempDir, waitForStatus } from "./helpers/driver-harness.js";
import { writeTestImage } from "./helpers/oci-image.js";

const REFRESH_TOKEN = "refresh-token-of-the-test-user";

interface Controller {
  readonly c: StartedController;
  readonly token: string;
  readonly dataDir: string;
  rawLogs(): string;
}

describe("local driver pulls from private registries with the controller's auth file", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let basic: TestRegistry;
  let tokenReg: TestRegistry;
  const controllers: Controller[] = [];

  const b64 = (s: string) => Buffer.from(s).toString("base64");

  async function push(registry: TestRegistry, layout: string, repo: string): Promise<string> {
    const client = createRegistryClient({
      credentials: { username: registry.username!, password: registry.password! },
      ...(registry.ca ? { ca: registry.ca } : {}),
    });
    try {
      await pushOciLayout({ client, dir: layout, tag: "v1", to: `${registry.host}/${repo}:v1` });
    } finally {
      await client.close();
    }
    return `${registry.host}/${repo}:v1`;
  }

  async function start(
    name: string,
    env: Record<string, string>,
    dataName: string = name,
  ): Promise<Controller> {
    let raw = "";
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        raw += chunk.toString();
        done();
      },
    });
    const dataDir = join(tmp.path, dataName, "data");
    const config = parseConfig({
      JWT_SECRET: TEST_SECRET,
      PORT: "0",
      METRICS_PORT: "0",
      EVENTFLOW_HOST: "127.0.0.1",
      EVENTFLOW_DEV_AUTH: "true",
      EVENTFLOW_DRIVER: "local",
      EVENTFLOW_DATA_DIR: dataDir,
      // No user docker config leaks in: the default auth file lives under this HOME.
      HOME: join(tmp.path, name, "home"),
      EVENTFLOW_REGISTRY_CA_FILE: basic.caPath!,
      ...env,
    });
    const c = await startController(config, { logger: createLogger("debug", sink) });
    const token = (await call(c.url, "POST", "/auth/token")).body.token as string;
    const ctl = { c, token, dataDir, rawLogs: () => raw };
    controllers.push(ctl);
    return ctl;
  }

  async function waitFor(
    ctl: Controller,
    name: string,
    check: (f: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + 20_000;
    let last: Record<string, unknown> | undefined;
    while (Date.now() < deadline) {
      last = (await call(ctl.c.url, "GET", `/v1/functions/${name}`, { token: ctl.token })).body;
      if (last !== undefined && check(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`function ${name} never matched: ${JSON.stringify(last)}`);
  }

  const deploy = (ctl: Controller, name: string, image: string) =>
    call(ctl.c.url, "POST", "/v1/functions", {
      token: ctl.token,
      body: { name, image, replicas: 1 },
    });

  const invoke = (ctl: Controller, name: string) =>
    call(ctl.c.url, "POST", `/v1/functions/${name}:invoke`, { token: ctl.token, body: {} });

  /** Replica pid files and extracted apps: both stay empty when nothing was started. */
  async function started(ctl: Controller): Promise<number> {
    const list = (dir: string) => readdir(join(ctl.dataDir, dir)).catch(() => [] as string[]);
    return (await list("run")).length + (await list("cache/apps")).length;
  }

  let basicImage: string;
  let tokenImage: string;
  let deniedImage: string;
  let authFile: string;

  beforeAll(async () => {
    tmp = await tempDir("registry-auth");
    [basic, tokenReg] = await Promise.all([
      startRegistry({ mode: "basic" }),
      startRegistry({
        mode: "token",
        deny: ["private/denied"],
        refreshTokens: { [REFRESH_TOKEN]: "eventflow" },
      }),
    ]);
    const layout = join(tmp.path, "layout");
    await writeTestImage({ dir: layout, tag: "v1" });
    [basicImage, tokenImage, deniedImage] = await Promise.all([
      push(basic, layout, "private/hello"),
      push(tokenReg, layout, "private/hello"),
      push(tokenReg, layout, "private/other"),
    ]);
    // The denied repository exists under another name: the token server never grants it.
    deniedImage = deniedImage.replace("private/other", "private/denied");
    authFile = join(tmp.path, "auth.json");
    await writeFile(
      authFile,
      JSON.stringify({
        auths: {
          // docker's key forms: a bare host and an https URL with a path.
          [basic.host]: { auth: b64(`${basic.username}:${basic.password}`) },
          [`https://${tokenReg.host}/v1/`]: { identitytoken: REFRESH_TOKEN },
        },
      }),
    );
  }, 120_000);

  afterAll(async () => {
    for (const ctl of controllers) await ctl.c.close(); // close() is idempotent
    await Promise.all([basic?.stop(), tokenReg?.stop()]);
    await tmp?.cleanup();
  });

  it("with the auth file: TLS + htpasswd and token (identity token) images run and answer", async () => {
    const ctl = await start("with-auth", { EVENTFLOW_REGISTRY_AUTH_FILE: authFile });
    expect((await deploy(ctl, "basic", basicImage)).status).toBe(201);
    expect((await deploy(ctl, "token", tokenImage)).status).toBe(201);
    for (const name of ["basic", "token"]) {
      const fn = await waitFor(ctl, name, (f) => f["status"] === "Running");
      expect(fn).toMatchObject({ ready_replicas: 1 });
      const res = await invoke(ctl, name);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ hello: "world" });
    }
    // Valid credentials without access to the repository: Failed, FUNCTION_IMAGE_PULL_DENIED (the registry's REGISTRY_DENIED), no replica.
    const denied = await deploy(ctl, "denied", deniedImage);
    expect(denied.status).toBe(201);
    expect(denied.body).toMatchObject({
      status: "Failed",
      ready_replicas: 0,
      updated_replicas: 0,
      last_error: { code: "FUNCTION_IMAGE_PULL_DENIED" },
    });
    const inv = await invoke(ctl, "denied");
    expect(inv.status).toBe(422);
    expect(inv.body.error.code).toBe("FUNCTION_IMAGE_PULL_DENIED");
    const redeploy = await call(ctl.c.url, "PUT", "/v1/functions/denied", {
      token: ctl.token,
      body: { image: deniedImage, replicas: 1 },
    });
    expect(redeploy.status).toBe(422);
    expect(redeploy.body.error).toMatchObject({
      code: "FUNCTION_IMAGE_PULL_DENIED",
      details: { registryCode: "REGISTRY_DENIED" },
    });
    for (const secret of [
      basic.password!,
      b64(`${basic.username}:${basic.password}`),
      REFRESH_TOKEN,
    ])
      expect(ctl.rawLogs()).not.toContain(secret);
  });

  it("without credentials: Failed with FUNCTION_IMAGE_PULL_DENIED, no process, nothing extracted; invoke and update answer 422", async () => {
    const ctl = await start("anonymous", {});
    for (const [name, image] of [
      ["basic", basicImage],
      ["token", tokenImage],
    ] as const) {
      const created = await deploy(ctl, name, image);
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        status: "Failed",
        ready_replicas: 0,
        updated_replicas: 0,
        last_error: { code: "FUNCTION_IMAGE_PULL_DENIED" },
      });
      const inv = await invoke(ctl, name);
      expect(inv.status).toBe(422);
      expect(inv.body.error.code).toBe("FUNCTION_IMAGE_PULL_DENIED");
      const put = await call(ctl.c.url, "PUT", `/v1/functions/${name}`, {
        token: ctl.token,
        body: { image, replicas: 2 },
      });
      expect(put.status).toBe(422);
      expect(put.body.error).toMatchObject({
        code: "FUNCTION_IMAGE_PULL_DENIED",
        details: { registryCode: "REGISTRY_UNAUTHORIZED", credentials: false },
      });
    }
    // The token must still be good: a registry refusal never looks like a bad API token.
    expect((await call(ctl.c.url, "GET", "/v1/functions", { token: ctl.token })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(await started(ctl)).toBe(0);
    expect((await waitFor(ctl, "basic", () => true))["status"]).toBe("Failed");
  });

  it("a wrong password is FUNCTION_IMAGE_PULL_DENIED; after fixing the file, a redeploy runs without a restart", async () => {
    const file = join(tmp.path, "wrong.json");
    const write = (password: string) =>
      writeFile(
        file,
        JSON.stringify({ auths: { [basic.host]: { auth: b64(`${basic.username}:${password}`) } } }),
      );
    await write("not-the-password");
    const ctl = await start("wrong", { EVENTFLOW_REGISTRY_AUTH_FILE: file });
    const created = await deploy(ctl, "fn", basicImage);
    expect(created.body).toMatchObject({
      status: "Failed",
      last_error: { code: "FUNCTION_IMAGE_PULL_DENIED" },
    });
    expect(await started(ctl)).toBe(0);
    await write(basic.password!);
    const put = await call(ctl.c.url, "PUT", "/v1/functions/fn", {
      token: ctl.token,
      body: { image: basicImage, replicas: 1 },
    });
    expect(put.status).toBe(200);
    const fn = await waitFor(ctl, "fn", (f) => f["status"] === "Running");
    expect(fn["last_error"]).toBeUndefined();
    expect((await invoke(ctl, "fn")).status).toBe(200);
    expect(ctl.rawLogs()).not.toContain(basic.password!);
  });

  it("a Failed function is pulled again when the controller restarts with credentials", async () => {
    const first = await start("restart-anon", {});
    const created = await deploy(first, "fn", tokenImage);
    expect(created.body).toMatchObject({ last_error: { code: "FUNCTION_IMAGE_PULL_DENIED" } });
    await first.c.close();
    const second = await start(
      "restart-auth",
      { EVENTFLOW_REGISTRY_AUTH_FILE: authFile },
      "restart-anon",
    );
    const fn = await waitFor(second, "fn", (f) => f["status"] === "Running");
    expect(fn["last_error"]).toBeUndefined();
    expect((await invoke(second, "fn")).status).toBe(200);
  });

  it("one docker config (as docker login writes it) serves both `eventflow build --push` and the controller by default", async () => {
    const home = join(tmp.path, "cli-home", "home");
    await mkdir(join(home, ".docker"), { recursive: true });
    await writeFile(
      join(home, ".docker", "config.json"),
      JSON.stringify({
        auths: { [basic.host]: { auth: b64(`${basic.username}:${basic.password}`) } },
      }),
    );
    const image = `${basic.host}/team/hello:1`;
    const built = await runEventflow(
      [
        "build",
        "examples/hello",
        "--base",
        "scratch",
        "-t",
        image,
        "--push",
        "--ca",
        basic.caPath!,
        "--quiet",
      ],
      { env: { HOME: home } },
    );
    expect(built.code, built.stderr).toBe(0);
    // No EVENTFLOW_REGISTRY_AUTH_FILE: the controller reads $HOME/.docker/config.json.
    const ctl = await start("cli-home", {});
    expect((await deploy(ctl, "hello", image)).status).toBe(201);
    await waitFor(ctl, "hello", (f) => f["status"] === "Running");
    const res = await call(ctl.c.url, "POST", "/v1/functions/hello:invoke?name=EventFlow", {
      token: ctl.token,
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe("Hello, EventFlow!");
  }, 60_000);

  it("a function Failed on its credentials recovers by itself once they are fixed (pull backoff); a deleted one is not pulled", async () => {
    const file = join(tmp.path, "retry.json");
    await writeFile(file, "{}");
    const dataDir = join(tmp.path, "retry", "data");
    const driver = await startDriver(dataDir, {
      registry: { credentials: authFileCredentials({ path: file, required: true }), ca: basic.ca! },
      pullRetry: { initialMs: 50, maxMs: 100 },
    });
    try {
      for (const name of ["fn", "gone"]) {
        const st = await driver.create({ tenant: "acme", name, image: basicImage, replicas: 1 });
        expect(st).toMatchObject({
          status: "Failed",
          last_error: { code: "FUNCTION_IMAGE_PULL_DENIED" },
        });
      }
      await driver.delete("acme", "gone");
      await new Promise((r) => setTimeout(r, 300)); // several retries, all refused
      expect(await driver.get("acme", "fn")).toMatchObject({
        status: "Failed",
        last_error: { code: "FUNCTION_IMAGE_PULL_DENIED" },
      });
      await writeFile(
        file,
        JSON.stringify({
          auths: { [basic.host]: { auth: b64(`${basic.username}:${basic.password}`) } },
        }),
      );
      const fn = await waitForStatus(
        driver,
        { tenant: "acme", name: "fn" },
        (s) => s.status === "Running",
      );
      expect(fn.last_error).toBeUndefined();
      await new Promise((r) => setTimeout(r, 300));
      expect(await readdir(join(dataDir, "run"))).toHaveLength(1); // fn's replica only
      await expect(driver.get("acme", "gone")).rejects.toMatchObject({
        code: "FUNCTION_NOT_FOUND",
      });
    } finally {
      await driver.close();
    }
  });
});
