/**
 * Starts the real nats-server (built by scripts/setup/36-nats.sh) with JetStream on a free
 * loopback port and a temporary store directory, for the JetStream queue's tests.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../../../test/registry/index.ts";
import { testenvBinary } from "../../../../test/testenv-binaries.ts";

/** The nats-server binary the setup script built (the version pinned in versions.env). */
export function natsServerBinary(): string {
  return testenvBinary("nats-server");
}

/** A running nats-server. */
export interface NatsServer {
  readonly url: string;
  readonly storeDir: string;
  /** Stops the server (SIGTERM, or SIGKILL with `kill`) and starts it again on the same port and store. */
  restart(options?: { kill?: boolean }): Promise<void>;
  /** Stops the server and removes its store. */
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
      socket.connect(port, "127.0.0.1");
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error("nats-server did not listen within 15 s");
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

/** Starts nats-server with JetStream (file storage under a temp dir) on 127.0.0.1. */
export async function startNatsServer(): Promise<NatsServer> {
  const bin = natsServerBinary();
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), "eventflow-nats-"));
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(bin, ["-js", "-sd", storeDir, "-p", String(port), "-a", "127.0.0.1"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    child.stderr!.on("data", (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
    await waitForPort(port, child).catch((error: Error) => {
      throw new Error(`${error.message}\n${log}`);
    });
  };
  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    storeDir,
    async restart(options) {
      await stopChild(child, options?.kill === true ? "SIGKILL" : "SIGTERM");
      await launch();
    },
    async stop() {
      await stopChild(child, "SIGTERM");
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
