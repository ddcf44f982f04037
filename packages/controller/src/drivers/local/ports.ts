import { createServer } from "node:net";

/** An inclusive port range for replicas, or undefined for any free port. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(undefined));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => {
      const address = server.address();
      const got = typeof address === "object" && address ? address.port : undefined;
      server.close(() => resolve(got));
    });
  });
}

/**
 * Finds a free loopback port, skipping ports already handed out (`taken`). The port is free
 * when checked; a replica that loses the race exits and is restarted on another one.
 */
export async function findFreePort(
  range: PortRange | undefined,
  taken: ReadonlySet<number>,
): Promise<number> {
  if (!range) {
    for (let i = 0; i < 20; i++) {
      const port = await tryListen(0);
      if (port !== undefined && !taken.has(port)) return port;
    }
    throw new Error("no free port");
  }
  const span = range.to - range.from + 1;
  const start = Math.floor(Math.random() * span);
  for (let i = 0; i < span; i++) {
    const port = range.from + ((start + i) % span);
    if (taken.has(port)) continue;
    if ((await tryListen(port)) !== undefined) return port;
  }
  throw new Error(`no free port in ${range.from}-${range.to}`);
}
