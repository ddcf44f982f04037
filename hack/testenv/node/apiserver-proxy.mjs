// The API server listens on loopback only; the pods of the real node reach it at the node's
// bridge gateway through this TCP forwarder (TLS passes through: the API server's certificate
// names the gateway). Usage: node apiserver-proxy.mjs LISTEN_HOST PORT TARGET_PORT
import { connect, createServer } from "node:net";

const [host, port, target] = process.argv.slice(2);
createServer((client) => {
  const upstream = connect(Number(target), "127.0.0.1");
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.pipe(upstream).pipe(client);
  for (const socket of [client, upstream]) {
    socket.on("error", close);
    socket.on("close", close);
  }
}).listen(Number(port), host);
