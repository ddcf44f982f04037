/**
 * Follows a function's log stream while mounted: the last lines of history, then live ones.
 * The client's iterator resumes after a dropped connection; when the stream ends anyway
 * (function restarted, network gone) this hook reconnects after a pause.
 */
import { useEffect, useState } from "react";
import type { Client, LogRecord } from "../../../lib/api-client.ts";

/** Lines kept in memory; older ones are dropped first. */
export const MAX_LINES = 5000;

/** Stream state. */
export interface LogStream {
  readonly lines: readonly LogRecord[];
  readonly state: "connecting" | "live" | "error";
  readonly error: string | undefined;
}

/** The live log lines of `name`. */
export function useLogStream(
  client: Client,
  name: string,
  options: { tail?: number; retryMs?: number } = {},
): LogStream {
  const { tail = 200, retryMs = 2000 } = options;
  const [stream, setStream] = useState<LogStream>({
    lines: [],
    state: "connecting",
    error: undefined,
  });
  useEffect(() => {
    const abort = new AbortController();
    let lastId: string | undefined;
    const run = async () => {
      while (!abort.signal.aborted) {
        try {
          setStream((s) => ({ ...s, state: "connecting" }));
          const iterator = client.logs(name, {
            follow: true,
            tail,
            signal: abort.signal,
            ...(lastId === undefined ? {} : { after: lastId }),
          });
          setStream((s) => ({ ...s, state: "live", error: undefined }));
          for await (const record of iterator) {
            if (lastId !== undefined && Number(record.id) <= Number(lastId)) continue;
            lastId = record.id;
            setStream((s) => ({
              ...s,
              state: "live",
              lines: [...s.lines.slice(-(MAX_LINES - 1)), record],
            }));
          }
        } catch (error) {
          if (abort.signal.aborted) return;
          setStream((s) => ({
            ...s,
            state: "error",
            error: error instanceof Error ? error.message : String(error),
          }));
        }
        await new Promise((r) => setTimeout(r, retryMs));
      }
    };
    void run();
    return () => abort.abort();
  }, [client, name, tail, retryMs]);
  return stream;
}
