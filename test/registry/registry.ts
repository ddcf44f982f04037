// Starts Debian's Distribution registry (/usr/bin/docker-registry) on 127.0.0.1 for tests, in
// three modes: plain HTTP, TLS + htpasswd Basic auth, or token auth against startTokenServer.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Agent, request } from "undici";
import { makeSigningFiles, makeTlsFiles, type TlsFiles } from "./certs.ts";
import { startTokenServer, type TokenServer } from "./token-server.ts";

const run = promisify(execFile);

/** The registry binary Debian's docker-registry package installs. */
export const REGISTRY_BINARY = "/usr/bin/docker-registry";

/** Options of {@link startRegistry}. */
export interface StartRegistryOptions {
  /** `plain`: HTTP, anonymous. `basic`: TLS + htpasswd. `token`: Bearer tokens from a test token server. */
  readonly mode: "plain" | "basic" | "token";
  /** Users and passwords (default one user `eventflow` with a random password). */
  readonly users?: Readonly<Record<string, string>>;
  /** Token mode: repositories the token server never grants access to. */
  readonly deny?: readonly string[];
  /** Token mode: OAuth2 refresh tokens (docker identity tokens) and the user each stands for. */
  readonly refreshTokens?: Readonly<Record<string, string>>;
  /** Token mode: serve the registry over TLS too (default false; basic mode is always TLS). */
  readonly tls?: boolean;
}

/** A running registry; `stop()` kills it and removes its storage. */
export interface TestRegistry {
  readonly mode: StartRegistryOptions["mode"];
  /** `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`. */
  readonly url: string;
  /** `127.0.0.1:PORT`: the registry part of image references. */
  readonly host: string;
  /** PEM of the CA that signed the registry's certificate (TLS modes). */
  readonly ca?: string;
  /** Path of that CA file (for skopeo `--cert-dir`-less use: `--tls-verify=false` is simpler). */
  readonly caPath?: string;
  /** The first user's name and password (auth modes). */
  readonly username?: string;
  readonly password?: string;
  /** All users. */
  readonly users: Readonly<Record<string, string>>;
  /** The token server (token mode). */
  readonly tokenServer?: TokenServer;
  /** The registry's storage root. */
  readonly storageDir: string;
  /** The registry's stderr so far (for diagnosing failures). */
  logs(): string;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound and released: nothing listens on it afterwards). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function registryConfig(o: {
  port: number;
  storage: string;
  tls?: TlsFiles;
  auth: string;
}): string {
  const tls =
    o.tls === undefined
      ? ""
      : `  tls:\n    certificate: ${o.tls.certPath}\n    key: ${o.tls.keyPath}\n`;
  return [
    "version: 0.1",
    "log:",
    "  level: warn",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${o.storage}`,
    "  delete:",
    "    enabled: true",
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "http:",
    `  addr: 127.0.0.1:${o.port}`,
    `  secret: ${randomBytes(16).toString("hex")}`,
    tls + o.auth,
  ].join("\n");
}

async function waitReady(url: string, child: ChildProcess, logs: () => string): Promise<void> {
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `docker-registry exited (${child.exitCode ?? child.signalCode}): ${logs()}`,
        );
      }
      try {
        const res = await request(`${url}/v2/`, { dispatcher: agent });
        await res.body.dump();
        if (res.statusCode === 200 || res.statusCode === 401) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline)
        throw new Error(`docker-registry did not answer on ${url} within 15 s: ${logs()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await agent.close();
  }
}

async function authSection(
  opts: StartRegistryOptions,
  dir: string,
  users: Record<string, string>,
): Promise<{ auth: string; tokenServer?: TokenServer }> {
  if (opts.mode === "plain") return { auth: "" };
  if (opts.mode === "basic") {
    const lines: string[] = [];
    for (const [name, password] of Object.entries(users)) {
      const { stdout } = await run("htpasswd", ["-Bbn", name, password]);
      lines.push(stdout.trim());
    }
    await writeFile(join(dir, "htpasswd"), `${lines.join("\n")}\n`);
    return {
      auth: `auth:\n  htpasswd:\n    realm: eventflow-test\n    path: ${join(dir, "htpasswd")}\n`,
    };
  }
  const signing = await makeSigningFiles(dir);
  const service = "eventflow-test-registry";
  const issuer = "eventflow-test-token-issuer";
  const tokenServer = await startTokenServer({
    signing,
    issuer,
    service,
    users,
    ...(opts.deny ? { deny: opts.deny } : {}),
    ...(opts.refreshTokens ? { refreshTokens: opts.refreshTokens } : {}),
  });
  return {
    auth: `auth:\n  token:\n    realm: ${tokenServer.realm}\n    service: ${service}\n    issuer: ${issuer}\n    rootcertbundle: ${signing.certPath}\n`,
    tokenServer,
  };
}

/**
 * Starts a registry on 127.0.0.1 with a free port and a temporary storage directory.
 * Basic mode serves TLS with a CA made by openssl (pass `ca` to the client, or
 * `--tls-verify=false` to skopeo). Call `stop()` in afterAll.
 */
export async function startRegistry(opts: StartRegistryOptions): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), `eventflow-registry-${opts.mode}-`));
  const users = { ...(opts.users ?? { eventflow: randomBytes(9).toString("base64url") }) };
  let tokenServer: TokenServer | undefined;
  try {
    const tls = opts.mode === "basic" || opts.tls ? await makeTlsFiles(dir) : undefined;
    const section = await authSection(opts, dir, users);
    tokenServer = section.tokenServer;
    for (let tries = 1; ; tries++) {
      const port = await freePort();
      const configPath = join(dir, "config.yml");
      await writeFile(
        configPath,
        registryConfig({
          port,
          storage: join(dir, "data"),
          auth: section.auth,
          ...(tls ? { tls } : {}),
        }),
      );
      const child = spawn(REGISTRY_BINARY, ["serve", configPath], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      const collect = (chunk: Buffer) => {
        output = (output + chunk.toString("utf8")).slice(-20_000);
      };
      child.stdout!.on("data", collect);
      child.stderr!.on("data", collect);
      const url = `${tls ? "https" : "http"}://127.0.0.1:${port}`;
      try {
        await waitReady(url, child, () => output);
      } catch (error) {
        child.kill("SIGKILL");
        if (tries < 3 && /address already in use/.test(output)) continue;
        throw error;
      }
      const [username, password] = Object.entries(users)[0] ?? [];
      const stop = async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((resolve) => child.once("exit", resolve));
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
          await exited;
          clearTimeout(timer);
        }
        await tokenServer?.stop();
        await rm(dir, { recursive: true, force: true });
      };
      return {
        mode: opts.mode,
        url,
        host: `127.0.0.1:${port}`,
        ...(tls ? { ca: tls.caPem, caPath: tls.caPath } : {}),
        ...(opts.mode === "plain" ? {} : { username, password }),
        users,
        ...(tokenServer ? { tokenServer } : {}),
        storageDir: join(dir, "data"),
        logs: () => output,
        stop,
      };
    }
  } catch (error) {
    await tokenServer?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
