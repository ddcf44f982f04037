import { EventFlowError, type SecretInfo } from "@eventflow/protocol";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import {
  EMPTY_SECRET_FORM,
  fromSecret,
  toSecretFieldPath,
  toSecretValues,
  type SecretFormValues,
} from "../../src/features/secrets/api/secret-schema.ts";
import { DeleteSecretDialog } from "../../src/features/secrets/components/delete-secret.tsx";
import { SecretForm } from "../../src/features/secrets/components/secret-form.tsx";
import { SecretsTable } from "../../src/features/secrets/components/secrets-table.tsx";
import { createClient } from "../../src/lib/api-client.ts";
import { ClientContext } from "../../src/lib/use-client.ts";

const NOW = Date.parse("2026-11-26T06:00:00Z");
const STRIPE: SecretInfo = {
  name: "stripe",
  tenant: "default",
  keys: ["api-key", "webhook-secret"],
  version: "3",
  created_at: "2026-11-26T05:00:00.000Z",
  updated_at: "2026-11-26T05:30:00.000Z",
  used_by: ["billing", "hook"],
};
const DB: SecretInfo = { ...STRIPE, name: "db", keys: ["DB_PASSWORD"], used_by: [] };

const field = (name: string) => screen.getByLabelText(name) as HTMLInputElement;

describe("SecretsTable", () => {
  it("lists names, key names, the functions using each (linked) and the age, never a value", () => {
    render(<SecretsTable secrets={[STRIPE, DB]} canWrite now={NOW} />);
    const rows = within(screen.getByRole("table", { name: "Secrets" })).getAllByRole("row");
    expect(rows.map((r) => r.querySelector("td")?.textContent)).toEqual([
      undefined,
      "db",
      "stripe",
    ]);
    const stripe = rows[2]!;
    expect(stripe.textContent).toContain("api-key, webhook-secret");
    expect(stripe.textContent).toContain("30m");
    expect(within(stripe).getByRole("link", { name: "hook" }).getAttribute("href")).toBe(
      "/functions/hook",
    );
    expect(within(stripe).getByRole("link", { name: "Update stripe" }).getAttribute("href")).toBe(
      "/secrets/stripe/edit",
    );
  });

  it("shows a viewer no write controls, and a newcomer what secrets are for", () => {
    const { rerender } = render(<SecretsTable secrets={[STRIPE]} canWrite={false} now={NOW} />);
    expect(screen.queryByRole("button", { name: "Delete stripe" })).toBeNull();
    expect(screen.queryByRole("link", { name: "Update stripe" })).toBeNull();
    rerender(<SecretsTable secrets={[]} canWrite now={NOW} />);
    expect(screen.getByRole("heading", { name: "No secrets yet" })).toBeTruthy();
    expect(
      screen.getByRole("link", { name: "Create your first secret" }).getAttribute("href"),
    ).toBe("/secrets/new");
  });

  it("asks the page to delete a secret", async () => {
    const onDelete = vi.fn();
    render(<SecretsTable secrets={[STRIPE]} canWrite onDelete={onDelete} now={NOW} />);
    await userEvent.setup().click(screen.getByRole("button", { name: "Delete stripe" }));
    expect(onDelete).toHaveBeenCalledWith(STRIPE);
  });
});

function renderForm(
  mode: "create" | "edit",
  initial: SecretFormValues,
  onSubmit: (v: SecretFormValues) => Promise<void> = async () => {},
) {
  const submit = vi.fn(onSubmit);
  render(<SecretForm mode={mode} initial={initial} onSubmit={submit} />);
  return { submit, user: userEvent.setup() };
}

describe("SecretForm", () => {
  it("takes values in password inputs the browser must not fill, and sends them as text", async () => {
    const { submit, user } = renderForm("create", EMPTY_SECRET_FORM);
    await user.type(field("Name"), "stripe");
    await user.type(field("Key 1"), "api-key");
    await user.type(field("Value 1"), "sk_live_1");
    await user.click(screen.getByRole("button", { name: "Add key" }));
    await user.type(field("Key 2"), "webhook-secret");
    await user.type(field("Value 2"), "whsec 2");
    expect(field("Value 1").type).toBe("password");
    expect(field("Value 1").autocomplete).toBe("new-password");
    await user.click(screen.getByRole("button", { name: "Create secret" }));
    await waitFor(() => expect(submit).toHaveBeenCalledTimes(1));
    const values = submit.mock.calls[0]![0];
    expect(values.name).toBe("stripe");
    expect(await toSecretValues(values)).toEqual({
      "api-key": "sk_live_1",
      "webhook-secret": "whsec 2",
    });
  });

  it("takes a binary value from a file and sends its exact bytes", async () => {
    const { submit, user } = renderForm("create", EMPTY_SECRET_FORM);
    const bytes = new Uint8Array([0, 255, 10, 13, 0x80, 0xfe]);
    await user.type(field("Name"), "tls");
    await user.type(field("Key 1"), "key.der");
    await user.upload(field("File 1"), new File([bytes], "key.der"));
    expect(field("Value 1").readOnly).toBe(true);
    expect(screen.getByText("key.der, 6 bytes")).toBeTruthy();
    await user.click(screen.getByRole("button", { name: "Create secret" }));
    await waitFor(() => expect(submit).toHaveBeenCalledTimes(1));
    const sent = (await toSecretValues(submit.mock.calls[0]![0]))["key.der"];
    expect(sent).toBeInstanceOf(Uint8Array);
    expect([...(sent as Uint8Array)]).toEqual([...bytes]);
  });

  it("clears a chosen file, and then wants a typed value again", async () => {
    const { submit, user } = renderForm("create", EMPTY_SECRET_FORM);
    await user.type(field("Name"), "tls");
    await user.type(field("Key 1"), "k");
    await user.upload(field("File 1"), new File(["x"], "x.bin"));
    await user.click(screen.getByRole("button", { name: "Clear file 1" }));
    expect(field("File 1").type).toBe("file");
    await user.click(screen.getByRole("button", { name: "Create secret" }));
    await waitFor(() => expect(field("Value 1").getAttribute("aria-invalid")).toBe("true"));
    expect(submit).not.toHaveBeenCalled();
  });

  it("refuses a bad name, a bad or repeated key and an empty value, with the protocol's rules", async () => {
    const { submit, user } = renderForm("create", EMPTY_SECRET_FORM);
    await user.type(field("Name"), "Bad_Name");
    await user.type(field("Key 1"), "..");
    await user.click(screen.getByRole("button", { name: "Add key" }));
    await user.type(field("Key 2"), "a");
    await user.type(field("Value 2"), "x");
    await user.click(screen.getByRole("button", { name: "Add key" }));
    await user.type(field("Key 3"), "a");
    await user.type(field("Value 3"), "y");
    await user.click(screen.getByRole("button", { name: "Create secret" }));
    await waitFor(() => expect(field("Name").getAttribute("aria-invalid")).toBe("true"));
    expect(field("Key 1").getAttribute("aria-invalid")).toBe("true");
    expect(field("Value 1").getAttribute("aria-invalid")).toBe("true");
    expect(field("Key 2").getAttribute("aria-invalid")).toBeNull();
    expect(field("Key 3").getAttribute("aria-invalid")).toBe("true");
    expect(submit).not.toHaveBeenCalled();
  });

  it("edits a secret with its key names and no value prefilled, and every value required again", async () => {
    const { submit, user } = renderForm("edit", fromSecret(STRIPE));
    expect(field("Name").readOnly).toBe(true);
    expect(field("Key 1").value).toBe("api-key");
    expect(field("Key 2").value).toBe("webhook-secret");
    expect(field("Value 1").value).toBe("");
    expect(field("Value 2").value).toBe("");
    expect(screen.getByTestId("write-only-note").textContent).toMatch(
      /write-only.*enter each value again/,
    );
    await user.type(field("Value 1"), "sk_live_2");
    await user.click(screen.getByRole("button", { name: "Save secret" }));
    await waitFor(() => expect(field("Value 2").getAttribute("aria-invalid")).toBe("true"));
    expect(submit).not.toHaveBeenCalled();
  });

  it("puts SECRET_ALREADY_EXISTS on the name and other errors on the form", async () => {
    let error = new EventFlowError("SECRET_ALREADY_EXISTS", "exists", { status: 409 });
    const { user } = renderForm("create", EMPTY_SECRET_FORM, async () => {
      throw error;
    });
    await user.type(field("Name"), "stripe");
    await user.type(field("Key 1"), "k");
    await user.type(field("Value 1"), "v");
    await user.click(screen.getByRole("button", { name: "Create secret" }));
    await waitFor(() => expect(field("Name").getAttribute("aria-invalid")).toBe("true"));
    expect(screen.getByText(/exists \(SECRET_ALREADY_EXISTS\)/)).toBeTruthy();
    error = new EventFlowError("REQUEST_BODY_TOO_LARGE", "too large", { status: 413 });
    await user.click(screen.getByRole("button", { name: "Create secret" }));
    expect((await screen.findByText(/too large/)).textContent).toContain("REQUEST_BODY_TOO_LARGE");
  });

  it.each([
    ["name", "name"],
    ["stringData.b", "entries.1.value"],
    ["data.a", "entries.0.value"],
    ["stringData.zzz", "root.server"],
    ["stringData", "entries"],
  ])("an API error on %s lands on %s", (apiPath, formPath) => {
    const entries = [
      { key: "a", value: "" },
      { key: "b", value: "" },
    ];
    expect(toSecretFieldPath(apiPath, entries)).toBe(formPath);
  });
});

/**
 * The dialog with the SDK's real client and the real delete mutation; `answer` stands in for the
 * controller's DELETE /v1/secrets/{name} (no controller runs in the jsdom tier; the browser tier
 * deletes on the real one). Returns the requests made ("DELETE /v1/secrets/db?force=true").
 */
function renderDeleteDialog(secret: SecretInfo, answer: () => Response, onClose = vi.fn()) {
  const requests: string[] = [];
  const client = createClient({
    url: "http://127.0.0.1:1",
    retry: false,
    fetch: async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      requests.push(`${init?.method} ${url.pathname}${url.search}`);
      return answer();
    },
  });
  render(
    <QueryClientProvider client={new QueryClient()}>
      <ClientContext.Provider value={client}>
        <DeleteSecretDialog secret={secret} onClose={onClose} />
      </ClientContext.Provider>
    </QueryClientProvider>,
  );
  return { requests, onClose };
}

const refusal = (status: number, code: string, message: string, details?: object) => () =>
  new Response(JSON.stringify({ error: { code, message, requestId: "r1", details } }), {
    status,
    headers: { "content-type": "application/json" },
  });

describe("DeleteSecretDialog", () => {
  it("deletes an unused secret", async () => {
    const { requests, onClose } = renderDeleteDialog(DB, () => new Response(null, { status: 204 }));
    await userEvent.setup().click(screen.getByRole("button", { name: "Delete secret" }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(requests).toEqual(["DELETE /v1/secrets/db"]);
  });

  it("shows SECRET_IN_USE with the functions' names and deletes only when forced", async () => {
    const inUse = refusal(409, "SECRET_IN_USE", "secret db is used by billing, late-comer", {
      functions: ["billing", "late-comer"],
    });
    let forced = false;
    const user = userEvent.setup();
    // The list said nobody used it; the controller knows better.
    const { requests, onClose } = renderDeleteDialog(DB, () =>
      forced ? new Response(null, { status: 204 }) : inUse(),
    );
    await user.click(screen.getByRole("button", { name: "Delete secret" }));
    expect((await screen.findByTestId("secret-used-by")).textContent).toBe("billing, late-comer");
    expect(screen.getByTestId("secret-in-use-error").textContent).toContain(
      "secret db is used by billing, late-comer (SECRET_IN_USE)",
    );
    expect(onClose).not.toHaveBeenCalled();
    const button = screen.getByRole("button", { name: "Delete secret" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    await user.click(screen.getByRole("checkbox", { name: "Delete anyway" }));
    forced = true;
    await user.click(button);
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(requests).toEqual(["DELETE /v1/secrets/db", "DELETE /v1/secrets/db?force=true"]);
  });

  it("shows any other error with its code and stays open", async () => {
    const { onClose } = renderDeleteDialog(
      DB,
      refusal(404, "SECRET_NOT_FOUND", "secret db does not exist"),
    );
    await userEvent.setup().click(screen.getByRole("button", { name: "Delete secret" }));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "secret db does not exist (SECRET_NOT_FOUND)",
    );
    expect(onClose).not.toHaveBeenCalled();
  });

  it("asks for force up front when the list already shows users", () => {
    const { requests } = renderDeleteDialog(STRIPE, () => new Response(null, { status: 204 }));
    expect(screen.getByTestId("secret-used-by").textContent).toBe("billing, hook");
    expect(
      (screen.getByRole("button", { name: "Delete secret" }) as HTMLButtonElement).disabled,
    ).toBe(true);
    expect(requests).toEqual([]);
  });
});
