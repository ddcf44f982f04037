/**
 * The revisions card: what each revision changed, which one runs, and a rollback after
 * confirmation (none for viewers). The SDK's real client talks to `fakeController`, a stand-in
 * for the controller's revision routes (no controller runs in the jsdom tier; the browser tier,
 * revisions.browser.test.ts, drives the real one).
 */
import type { FunctionRevision } from "@eventflow/sdk/client";
import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import {
  changesText,
  RevisionsPanel,
} from "../../src/features/revisions/components/revisions-panel.tsx";
import type { Client } from "../../src/lib/api-client.ts";
import {
  errorResponse,
  jsonResponse,
  renderWithClient,
  standInClient,
} from "./support/stand-in.tsx";

function revision(number: number, spec: FunctionRevision["spec"], current = false) {
  return {
    name: `hello-${String(number).padStart(5, "0")}`,
    number,
    image: spec.image,
    created_by: "alice",
    created_at: "2026-12-06T04:00:00.000Z",
    current,
    spec,
  } satisfies FunctionRevision;
}

const V1 = { image: "registry.test/hello:1", env: { GREETING: "hi" } };
const V2 = { image: "registry.test/hello:2", env: { GREETING: "hello", MODE: "fast" } };

/**
 * The controller's revision routes over a list: a rollback to `to` records a new revision with
 * its spec, current. `refuse` answers the rollback with an error instead.
 */
function fakeController(refuse?: { status: number; code: string; message: string }) {
  let revisions: FunctionRevision[] = [revision(2, V2, true), revision(1, V1)];
  return standInClient((_method, url, body) => {
    if (url.pathname === "/v1/functions/hello/revisions") return jsonResponse(revisions);
    if (url.pathname !== "/v1/functions/hello:rollback")
      return errorResponse(404, "NOT_FOUND", url.pathname);
    if (refuse) return errorResponse(refuse.status, refuse.code, refuse.message);
    const { to } = JSON.parse(body) as { to: number };
    const old = revisions.find((r) => r.number === to)!;
    const next = revision(revisions[0]!.number + 1, old.spec, true);
    revisions = [next, ...revisions.map((r) => ({ ...r, current: false }))];
    return jsonResponse({ name: "hello", image: old.image, status: "Deploying", spec: old.spec });
  });
}

const renderPanel = (client: Client, canWrite: boolean) =>
  renderWithClient(client, <RevisionsPanel name="hello" canWrite={canWrite} />);

describe("changesText", () => {
  it("says what a revision changed from the one before it", () => {
    expect(changesText(revision(1, V1), undefined)).toBe("created");
    expect(changesText(revision(2, V2), revision(1, V1))).toBe("env.GREETING, env.MODE, image");
    expect(changesText(revision(3, V1), revision(2, V1))).toBe("same as hello-00002");
    // the one before it was pruned: nothing to compare with
    expect(changesText(revision(7, V1), undefined)).toBe("-");
    const many = {
      ...V2,
      timeout: 3,
      command: ["node"],
      args: ["x"],
      cors: { allowOrigins: ["*"] },
    };
    expect(changesText(revision(2, many), revision(1, V1))).toMatch(/ and 3 more$/);
  });
});

describe("RevisionsPanel", () => {
  it("lists the revisions newest first, marks the current one, and offers a rollback to the others", async () => {
    renderPanel(fakeController().client, true);
    const table = await screen.findByRole("table", { name: "Revisions of hello" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.getAttribute("data-testid"))).toEqual(["revision-2", "revision-1"]);
    expect(within(rows[0]!).getByTestId("current-revision").textContent).toContain("current");
    expect(within(rows[0]!).queryByRole("button")).toBeNull();
    expect(within(rows[1]!).getByRole("button", { name: "Roll back to hello-00001" })).toBeTruthy();
    expect(rows[0]!.textContent).toContain("env.GREETING, env.MODE, image");
  });

  it("rolls back after confirmation: the request names the revision, the new one is current", async () => {
    const { client, requests } = fakeController();
    const user = renderPanel(client, true);
    await user.click(await screen.findByRole("button", { name: "Roll back to hello-00001" }));
    const dialog = screen.getByRole("dialog", { name: "Roll hello back to hello-00001?" });
    expect(dialog.textContent).toContain("replace hello-00002's");
    await user.click(within(dialog).getByRole("button", { name: "Roll back" }));
    expect((await screen.findByTestId("rollback-done")).textContent).toContain(
      "Rolled back to hello-00001",
    );
    expect(requests).toContain('POST /v1/functions/hello:rollback {"to":1}');
    await waitFor(() =>
      expect(
        screen.getByTestId("revision-3").contains(screen.getByTestId("current-revision")),
      ).toBe(true),
    );
    // revision 3 has revision 1's spec: from revision 2, it changed back the env and the image
    expect(screen.getByTestId("revision-3").textContent).toContain("env.GREETING, env.MODE, image");
  });

  it("keeps the dialog open with the controller's error when the rollback is refused", async () => {
    const { client } = fakeController({
      status: 404,
      code: "REVISION_NOT_FOUND",
      message: "revision hello-00001 of hello is not kept",
    });
    const user = renderPanel(client, true);
    await user.click(await screen.findByRole("button", { name: "Roll back to hello-00001" }));
    const dialog = screen.getByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Roll back" }));
    expect((await within(dialog).findByRole("alert")).textContent).toContain("is not kept");
    expect(screen.queryByTestId("rollback-done")).toBeNull();
  });

  it("shows a viewer the history without a rollback", async () => {
    renderPanel(fakeController().client, false);
    await screen.findByRole("table", { name: "Revisions of hello" });
    expect(screen.queryByRole("button", { name: /Roll back/ })).toBeNull();
  });
});
