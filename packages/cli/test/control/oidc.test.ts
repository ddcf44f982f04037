// `eventflow login` with the OIDC device flow against a real OIDC provider (panva's
// oidc-provider on 127.0.0.1): the CLI asks for a device code, shows the URL and user code,
// polls, and saves the access token, which the controller then accepts. The test stands in for
// the user's browser by approving the device code in the provider's store (a real browser
// login is not scripted here).
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, runEventflow } from "../../../../test/cli/index.ts";
import { startControlTestEnv, type ControlTestEnv } from "./controller.ts";

const AUDIENCE = "eventflow-api";
const CLIENT_ID = "eventflow-cli";

describe("eventflow login with the OIDC device flow", () => {
  let server: Server;
  let provider: Provider;
  let issuer: string;
  let env: ControlTestEnv;

  beforeAll(async () => {
    server = createServer((req, res) => provider.callback()(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          token_endpoint_auth_method: "none",
          grant_types: ["urn:ietf:params:oauth:grant-type:device_code"],
          redirect_uris: [],
          response_types: [],
        },
      ],
      jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: "k1", alg: "RS256", use: "sig" }] },
      features: {
        devInteractions: { enabled: false },
        deviceFlow: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => "urn:eventflow",
          // The device code's resource carries over to the token request (JWT access tokens).
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({
            scope: "api",
            audience: AUDIENCE,
            accessTokenFormat: "jwt",
            jwt: { sign: { alg: "RS256" } },
          }),
        },
      },
      extraTokenClaims: () => ({ tenant: "team-a", role: "developer" }),
    });
    env = await startControlTestEnv("oidc", {
      EVENTFLOW_DEV_AUTH: "false",
      EVENTFLOW_OIDC_ISSUER: issuer,
      EVENTFLOW_OIDC_AUDIENCE: AUDIENCE,
      EVENTFLOW_OIDC_CLIENT_ID: CLIENT_ID,
    });
  });
  afterAll(async () => {
    await env?.close();
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
  });

  /** What the user does in the browser: signs in as alice and approves the code. */
  async function approve(userCode: string): Promise<void> {
    const code = await provider.DeviceCode.findByUserCode(
      userCode.toUpperCase().replace(/\W/g, ""),
    );
    if (code === undefined) throw new Error(`no device code ${userCode}`);
    const grant = new provider.Grant({ accountId: "alice", clientId: CLIENT_ID });
    grant.addOIDCScope("openid");
    grant.addResourceScope("urn:eventflow", "api");
    Object.assign(code, {
      accountId: "alice",
      authTime: Math.floor(Date.now() / 1000),
      grantId: await grant.save(),
      scope: "openid api",
      resource: "urn:eventflow",
    });
    await code.save();
  }

  it("shows the URL and code, waits for approval, saves a token the controller accepts", async () => {
    const child = spawn(process.execPath, [CLI_BIN, "login", "--url", env.url], {
      env: { PATH: process.env.PATH, ...env.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    const code = await new Promise<string>((resolve, reject) => {
      child.stderr.on("data", (c: Buffer) => {
        stderr += c.toString();
        const match = /confirm the code (\S+)/.exec(stderr);
        if (match) resolve(match[1]!);
      });
      child.on("exit", () => reject(new Error(`login exited: ${stderr}`)));
    });
    expect(stderr).toContain(`open ${issuer}/device?user_code=`);
    await approve(code);
    const exit = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(exit, stderr).toBe(0);
    const saved = JSON.parse(await readFile(env.configPath, "utf8")) as {
      contexts: { default: { token: string } };
    };
    const claims = JSON.parse(
      Buffer.from(saved.contexts.default.token.split(".")[1]!, "base64url").toString(),
    ) as {
      iss: string;
      aud: string;
    };
    expect(claims).toMatchObject({ iss: issuer, aud: AUDIENCE });
    const list = await runEventflow(["list", "-o", "json"], { env: env.env });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
  }, 30_000);

  it("a denied sign-in is AUTH_FORBIDDEN; an issuer without discovery is AUTH_PROVIDER_UNAVAILABLE", async () => {
    const { runDeviceFlow } = await import("../../src/control/device-flow.js");
    const deny = async (userCode: string) => {
      const code = await provider.DeviceCode.findByUserCode(userCode.replace(/\W/g, ""));
      Object.assign(code!, { error: "access_denied", errorDescription: "no" });
      await code!.save();
    };
    const fast = () => new Promise<void>((r) => setTimeout(r, 20));
    await expect(
      runDeviceFlow(
        { issuer, audience: AUDIENCE, clientId: CLIENT_ID },
        { prompt: (_u, c) => void deny(c), sleep: fast },
      ),
    ).rejects.toMatchObject({ code: "AUTH_FORBIDDEN" });
    await expect(
      runDeviceFlow(
        { issuer: env.url, audience: AUDIENCE, clientId: CLIENT_ID },
        { prompt: () => undefined, sleep: fast },
      ),
    ).rejects.toMatchObject({ code: "AUTH_PROVIDER_UNAVAILABLE" });
  });
});
