/**
 * A TCP proxy in front of the API server that can freeze: connections stay open but nothing
 * passes any more, and new ones are accepted and never answered. That is an API server that
 * hangs (not one that refuses), for one client only.
 */
import { createConnection, createServer, type Socket } from "node:net";

export interface FreezingProxy {
  readonly port: number;
  freeze(): void;
  close(): Promise<void>;
}

export async function startFreezingProxy(target: {
  host: string;
  port: number;
}): Promise<FreezingProxy> {
  const sockets = new Set<Socket>();
  let frozen = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (frozen) return;
    const upstream = createConnection(target);
    track(upstream);
    client.on("data", (chunk) => void (frozen || upstream.write(chunk)));
    upstream.on("data", (chunk) => void (frozen || client.write(chunk)));
    client.on("close", () => frozen || upstream.destroy());
    upstream.on("close", () => frozen || client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("proxy has no port");
  return {
    port: address.port,
    freeze: () => void (frozen = true),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
