import { spawn, type ChildProcess } from "node:child_process";
import { createServer as createHttpServer } from "node:http";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { request } from "undici";

const made: string[] = [];

/** Removes every directory {@link makeProject} made in this test file (call in afterAll). */
export async function removeProjects(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Writes `files` (path -> text) under a new temporary directory and returns it. */
export async function makeProject(
  files: Readonly<Record<string, string | undefined>>,
  prefix = "ef-cli-",
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) {
    if (text === undefined) continue;
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

/** A handler without dependencies, as examples/hello. */
export const HELLO_HANDLER =
  'export default function hello(event) {\n  return `Hello, ${event.query.name ?? "world"}!`;\n}\n';

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** Starts `node FILE` with PORT set and waits until `/` answers; returns status, body and a stop function. */
export async function serveBundle(
  node: string,
  file: string,
  env: Record<string, string> = {},
): Promise<{ status: number; body: string; stop: () => Promise<void>; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(node, [file], {
    env: { PATH: process.env.PATH, PORT: String(port), ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let logs = "";
  child.stdout!.on("data", (c: Buffer) => (logs += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (logs += c.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGKILL");
      await exited;
    }
  };
  const { status, body } = await waitForHttp(
    `http://127.0.0.1:${port}/?name=test`,
    () => logs,
    child,
  );
  return { status, body, stop, child };
}

/** Polls a URL until it answers (any status) or 15 s pass. */
export async function waitForHttp(
  url: string,
  logs: () => string,
  child?: ChildProcess,
): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await request(url);
      return { status: res.statusCode, body: await res.body.text() };
    } catch (error) {
      if (child && (child.exitCode !== null || child.signalCode !== null))
        throw new Error(`process exited: ${logs()}`, { cause: error });
      if (Date.now() > deadline)
        throw new Error(`${url} did not answer: ${(error as Error).message}\n${logs()}`, {
          cause: error,
        });
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * A front for a real registry that passes manifests and small blobs through but breaks
 * large layer blobs half-way: `stall` stops sending, `cut` drops the connection.
 */
export async function startRegistryFront(
  upstreamUrl: string,
  mode: "stall" | "cut",
): Promise<{ port: number; stalled: Promise<void>; close: () => Promise<void> }> {
  let markStalled: () => void = () => {};
  const stalled = new Promise<void>((r) => (markStalled = r));
  const server = createHttpServer((req, res) => {
    const url = req.url ?? "/";
    const method = (req.method ?? "GET") as "GET" | "HEAD";
    void request(`${upstreamUrl}${url}`, {
      method,
      headers: { accept: String(req.headers.accept ?? "*/*") },
    }).then(async (upstream) => {
      const body = Buffer.from(await upstream.body.arrayBuffer());
      const isLayer = /\/blobs\/sha256:/.test(url) && body.length >= 100_000;
      if (!isLayer) {
        res.writeHead(upstream.statusCode, upstream.headers as Record<string, string>).end(body);
        return;
      }
      res.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": String(body.length),
      });
      res.write(body.subarray(0, body.length >> 1), () => {
        if (mode === "cut") res.socket?.destroy();
        else markStalled();
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as { port: number }).port,
    /** Resolves once a layer blob has been half sent and stalled (`stall` mode). */
    stalled,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
