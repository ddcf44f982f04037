/** The one way the controller connects to NATS (the JetStream queue and the NATS triggers). */
import { connect, type NatsConnection } from "@nats-io/transport-node";

/** Where and as whom to connect. */
export interface NatsConnectionOptions {
  /** nats://host:port, comma-separated for several servers. */
  readonly servers: string;
  /** The connection's name, as the server's monitoring shows it. */
  readonly name: string;
  readonly user?: string;
  readonly pass?: string;
  readonly token?: string;
}

/** Connects, reconnecting forever (a NATS restart must not stop the controller's work). */
export function connectNats(options: NatsConnectionOptions): Promise<NatsConnection> {
  return connect({
    servers: options.servers.split(","),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    name: options.name,
    // The client otherwise builds two Error objects (stack traces) per request, in case the
    // request fails, to show where it was made: a quarter of the CPU of an async enqueue
    // (bench:async profile). The controller reports such failures as ASYNC_UNAVAILABLE with the
    // client's error as the cause, which keeps its message.
    noAsyncTraces: true,
    ...(options.user === undefined ? {} : { user: options.user, pass: options.pass ?? "" }),
    ...(options.token === undefined ? {} : { token: options.token }),
  });
}
