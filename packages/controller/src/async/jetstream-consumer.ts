/**
 * The JetStream queue's consumer loop: pulls from the shared durable consumer and hands each
 * message, made a {@link Delivery}, to the handler, at most `concurrency` at once. A message
 * that is not a delivery is terminated (it would never become one).
 */
import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { Consumer, Delivery } from "./queue.js";

/** Options of {@link consumeJetStream}. */
export interface JetStreamConsumeOptions {
  readonly js: JetStreamClient;
  readonly stream: string;
  readonly durable: string;
  /** Reads a message; throws when it is not a delivery. */
  readonly toDelivery: (m: JsMsg) => Delivery;
  readonly handler: (delivery: Delivery) => Promise<void>;
  readonly concurrency: number;
}

/** Starts the loop; `stop()` stops pulling and waits for the deliveries in hand. */
export function consumeJetStream(options: JetStreamConsumeOptions): Consumer {
  const { js, concurrency } = options;
  let stopped = false;
  const running = new Set<Promise<void>>();
  let freed: () => void = () => undefined;
  let messages: Awaited<ReturnType<Awaited<ReturnType<typeof js.consumers.get>>["consume"]>>;
  const loop = async () => {
    const consumer = await js.consumers.get(options.stream, options.durable);
    messages = await consumer.consume({ max_messages: concurrency });
    if (stopped) await messages.close();
    for await (const m of messages) {
      let d: Delivery;
      try {
        d = options.toDelivery(m);
      } catch {
        m.term();
        continue;
      }
      const p: Promise<void> = options.handler(d).finally(() => {
        running.delete(p);
        freed();
      });
      running.add(p);
      while (running.size >= concurrency && !stopped)
        await new Promise<void>((resolve) => (freed = resolve));
      if (stopped) break;
    }
  };
  const done = loop();
  return {
    async stop() {
      stopped = true;
      freed();
      await messages?.close();
      await done.catch(() => undefined);
      await Promise.allSettled([...running]);
    },
  };
}
