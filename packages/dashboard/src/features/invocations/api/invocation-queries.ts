/**
 * Query and mutation options of the asynchronous invocation calls: a function's invocations,
 * one invocation, the dead letters, and their redrive and purge.
 */
import type { DeadLetterSelector, InvocationState } from "@eventflow/sdk/client";
import { mutationOptions, queryOptions } from "@tanstack/react-query";
import type { Client } from "../../../lib/api-client.ts";

/** How often the lists refresh while a page shows them (the function list's pace). */
export const INVOCATIONS_INTERVAL_MS = 2000;

/** How many rows a list asks for. */
export const INVOCATIONS_LIMIT = 50;

/** Every state, in the order an invocation goes through them. */
export const INVOCATION_STATES: readonly InvocationState[] = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "dead",
];

/** The states after which nothing changes (but a redrive). */
export const FINAL_STATES: ReadonlySet<InvocationState> = new Set(["succeeded", "failed", "dead"]);

/** Keys of the invocation queries, for invalidation after a redrive or purge. */
export const invocationKeys = {
  all: ["invocations"] as const,
  list: (name: string, state: InvocationState | undefined) =>
    ["invocations", "list", name, state ?? "any"] as const,
  one: (id: string) => ["invocations", "one", id] as const,
  dead: (name: string | undefined) => ["invocations", "dead", name ?? "*"] as const,
};

/** `GET /v1/functions/{name}/invocations?state=&limit=`, newest first. */
export function functionInvocationsQuery(
  client: Client,
  name: string,
  state: InvocationState | undefined,
) {
  return queryOptions({
    queryKey: invocationKeys.list(name, state),
    queryFn: ({ signal }) =>
      client.invocations.list(name, {
        signal,
        limit: INVOCATIONS_LIMIT,
        ...(state === undefined ? {} : { states: [state] }),
      }),
    refetchInterval: INVOCATIONS_INTERVAL_MS,
  });
}

/** `GET /v1/invocations/{id}`; refreshes until the invocation has ended. */
export function invocationQuery(client: Client, id: string) {
  return queryOptions({
    queryKey: invocationKeys.one(id),
    queryFn: ({ signal }) => client.invocations.get(id, { signal }),
    refetchInterval: (query) => {
      const state = query.state.data?.state;
      return state !== undefined && FINAL_STATES.has(state) ? false : INVOCATIONS_INTERVAL_MS;
    },
  });
}

/** `GET /v1/dead-letters` (dead and failed), of one function or the whole tenant. */
export function deadLettersQuery(client: Client, name: string | undefined) {
  return queryOptions({
    queryKey: invocationKeys.dead(name),
    queryFn: ({ signal }) =>
      client.invocations.deadLetters({
        signal,
        limit: INVOCATIONS_LIMIT,
        ...(name === undefined ? {} : { function: name }),
      }),
    refetchInterval: INVOCATIONS_INTERVAL_MS,
  });
}

/** `POST /v1/dead-letters:redrive` or `:purge`; resolves to the ids acted on. */
export function deadLetterMutation(client: Client, action: "redrive" | "purge") {
  return mutationOptions({
    mutationKey: ["invocations", action],
    mutationFn: (selector: DeadLetterSelector) => client.invocations[action](selector),
  });
}
