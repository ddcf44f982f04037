import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { useSaveSecret } from "../../src/features/secrets/hooks/use-secret-mutations.ts";
import { createClient, type Client } from "../../src/lib/api-client.ts";
import { ClientContext } from "../../src/lib/use-client.ts";

const VALUE = "sk_live_mutation_cache_probe";

// The controller does not run in the jsdom tier (the browser tier runs the real one): the
// SDK's real client is given a fetch that answers POST /v1/secrets as the API does.
const answer = async () =>
  new Response(
    JSON.stringify({
      name: "stripe",
      tenant: "default",
      keys: ["api-key"],
      version: "1",
      created_at: "2026-11-26T05:00:00.000Z",
      updated_at: "2026-11-26T05:00:00.000Z",
      used_by: [],
    }),
    { status: 201, headers: { "content-type": "application/json" } },
  );

function Saver({ onReady }: { onReady: (save: ReturnType<typeof useSaveSecret>) => void }) {
  onReady(useSaveSecret(undefined));
  return null;
}

describe("useSaveSecret", () => {
  it("lets the mutation cache drop the values once the form that sent them is gone", async () => {
    const client: Client = createClient({ url: "http://127.0.0.1:1", fetch: answer });
    const queries = new QueryClient();
    let save: ReturnType<typeof useSaveSecret> | undefined;
    const view = render(
      <QueryClientProvider client={queries}>
        <ClientContext.Provider value={client}>
          <Saver onReady={(s) => (save = s)} />
        </ClientContext.Provider>
      </QueryClientProvider>,
    );
    await act(() => save!.mutateAsync({ name: "stripe", values: { "api-key": VALUE } }));
    const held = () =>
      queries
        .getMutationCache()
        .getAll()
        .filter((m) => JSON.stringify(m.state.variables ?? null).includes(VALUE)).length;
    // While the form is there the cache holds them (so the check below can see them).
    expect(held()).toBe(1);
    view.unmount();
    await act(() => new Promise((r) => setTimeout(r, 10)));
    expect(held()).toBe(0);
  });
});
