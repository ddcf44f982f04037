/**
 * The revisions card: what each revision changed, which one is current, each one's share of the
 * traffic, the traffic bar, the rollout's progress, and "Send all traffic here" (a rollback: all
 * the requests move, no revision is made) after confirmation (none for viewers). The SDK's real
 * client talks to `fakeController`, a stand-in for the controller's function and revision
 * routes (no controller runs in the jsdom tier; the browser tier, revisions.browser.test.ts,
 * drives the real one).
 */
import type {
  FunctionRevision,
  FunctionStatus,
  RolloutStatus,
  TrafficStatus,
} from "@eventflow/sdk/client";
import { useQuery } from "@tanstack/react-query";
import { screen, waitFor, within } from "@testing-library/react";
import { useState } from "react";
import { describe, expect, it } from "vitest";
import {
  changesText,
  RevisionsPanel,
  sendAllText,
  trafficText,
} from "../../src/features/revisions/components/revisions-panel.tsx";
import type { Client } from "../../src/lib/api-client.ts";
import { useClient } from "../../src/lib/use-client.ts";
import {
  errorResponse,
  jsonResponse,
  renderWithClient,
  standInClient,
} from "./support/stand-in.tsx";

const nameOf = (number: number) => `hello-${String(number).padStart(5, "0")}`;

function revision(
  number: number,
  spec: FunctionRevision["spec"],
  share: Partial<Pick<FunctionRevision, "current" | "percent" | "tags">> = {},
) {
  return {
    name: nameOf(number),
    number,
    image: spec.image,
    created_by: "alice",
    created_at: "2026-12-06T04:00:00.000Z",
    current: false,
    percent: 0,
    ...share,
    spec,
  } satisfies FunctionRevision;
}

function entry(number: number, percent: number, more: Partial<TrafficStatus> = {}): TrafficStatus {
  return {
    revision: number,
    name: nameOf(number),
    percent,
    latest_revision: false,
    ready_replicas: 1,
    ...more,
  };
}

const V1 = { image: "registry.test/hello:1", env: { GREETING: "hi" } };
const V2 = { image: "registry.test/hello:2", env: { GREETING: "hello", MODE: "fast" } };
const SPECS = { 1: V1, 2: V2 } as const;

function functionStatus(traffic: TrafficStatus[], rollout?: RolloutStatus): FunctionStatus {
  return {
    name: "hello",
    tenant: "default",
    image: V2.image,
    replicas: 1,
    available_replicas: 1,
    ready_replicas: 1,
    updated_replicas: 1,
    status: "Running",
    url: "http://127.0.0.1:1/fn/default/hello",
    created_at: "2026-12-06T04:00:00.000Z",
    updated_at: "2026-12-06T04:00:00.000Z",
    traffic,
    ...(rollout === undefined ? {} : { rollout }),
    spec: {
      ...V2,
      replicas: 1,
      ...(rollout === undefined
        ? {}
        : {
            rollout: {
              steps: [10, 50, 100],
              intervalSeconds: 60,
              maxErrorRate: 0.05,
              maxP95Ms: 500,
            },
          }),
    },
  } as FunctionStatus;
}

/**
 * The controller's function and revision routes over a traffic list: revision 2 (current) takes
 * 10 % and the tag canary, revision 1 90 %; a rollback to `to` sends it all to `to` and makes no
 * revision. `refuse` answers the rollback with an error instead.
 */
function fakeController(refuse?: { status: number; code: string; message: string }) {
  let traffic = [entry(1, 90), entry(2, 10, { tag: "canary", latest_revision: true })];
  const revisions = () =>
    ([2, 1] as const).map((n) => {
      const mine = traffic.filter((t) => t.revision === n);
      const tags = mine.flatMap((t) => (t.tag === undefined ? [] : [t.tag]));
      return revision(n, SPECS[n], {
        current: n === 2,
        percent: mine.reduce((sum, t) => sum + t.percent, 0),
        ...(tags.length === 0 ? {} : { tags }),
      });
    });
  return standInClient((_method, url, body) => {
    if (url.pathname === "/v1/functions/hello") return jsonResponse(functionStatus(traffic));
    if (url.pathname === "/v1/functions/hello/revisions") return jsonResponse(revisions());
    if (url.pathname !== "/v1/functions/hello:rollback")
      return errorResponse(404, "NOT_FOUND", url.pathname);
    if (refuse) return errorResponse(refuse.status, refuse.code, refuse.message);
    const { to } = JSON.parse(body) as { to: number };
    traffic = [entry(to, 100)];
    return jsonResponse(functionStatus(traffic));
  });
}

/** The detail page's part: the function as the API answers it, and its revisions card. */
function Card({ canWrite }: { canWrite: boolean }) {
  const client = useClient();
  const fn = useQuery({ queryKey: ["fn"], queryFn: () => client.functions.get("hello") });
  return fn.data ? <RevisionsPanel fn={fn.data} canWrite={canWrite} /> : null;
}

const renderCard = (client: Client, canWrite: boolean) =>
  renderWithClient(client, <Card canWrite={canWrite} />);

const segments = () =>
  within(screen.getByRole("list", { name: "Traffic of hello" }))
    .getAllByRole("listitem")
    .map((li) => [li.getAttribute("data-testid"), li.style.width, li.textContent]);

describe("texts", () => {
  it("changesText says what a revision changed from the one before it", () => {
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

  it("trafficText and sendAllText", () => {
    expect(trafficText({ percent: 90 })).toBe("90%");
    expect(trafficText({ percent: 0, tags: ["canary"] })).toBe("0% canary");
    expect(trafficText({ percent: 0 })).toBe("-");
    const target = revision(1, V1);
    expect(sendAllText(target, [entry(1, 90, { ready_replicas: 2 })])).toMatch(
      /^hello-00001 takes every request at once\. No revision is made.*2 ready replicas: nothing restarts\.$/,
    );
    expect(sendAllText(target, [entry(2, 100)])).toContain("the first requests wait");
  });
});

describe("RevisionsPanel", () => {
  it("shows the traffic bar, each revision's share and tags, and a send-all on those not at 100%", async () => {
    renderCard(fakeController().client, true);
    const table = await screen.findByRole("table", { name: "Revisions of hello" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.getAttribute("data-testid"))).toEqual(["revision-2", "revision-1"]);
    expect(within(rows[0]!).getByTestId("current-revision").textContent).toContain("current");
    expect(rows[0]!.textContent).toContain("env.GREETING, env.MODE, image");
    expect(rows.map((r) => within(r).getByTestId("revision-traffic").textContent)).toEqual([
      "10% canary",
      "90%",
    ]);
    expect(segments()).toEqual([
      ["traffic-segment-1", "90%", expect.stringContaining("hello-00001: 90%, 1 ready")],
      [
        "traffic-segment-2",
        "10%",
        expect.stringContaining(
          "hello-00002: 10%, tag canary, 1 ready, follows the latest revision",
        ),
      ],
    ]);
    for (const r of rows)
      expect(
        within(r).getByRole("button", { name: /^Send all traffic to hello-0000[12]$/ }),
      ).toBeTruthy();
  });

  it("sends all traffic to a revision after confirmation: one segment, no new revision", async () => {
    const { client, requests } = fakeController();
    const user = renderCard(client, true);
    await user.click(
      await screen.findByRole("button", { name: "Send all traffic to hello-00001" }),
    );
    const dialog = screen.getByRole("dialog", {
      name: "Send all of hello's traffic to hello-00001?",
    });
    expect(dialog.textContent).toContain("No revision is made");
    await user.click(within(dialog).getByRole("button", { name: "Send all traffic here" }));
    expect((await screen.findByTestId("rollback-done")).textContent).toBe(
      "All traffic goes to hello-00001 now.",
    );
    expect(requests).toContain('POST /v1/functions/hello:rollback {"to":1}');
    await waitFor(() => expect(segments()).toHaveLength(1));
    expect(segments()[0]!.slice(0, 2)).toEqual(["traffic-segment-1", "100%"]);
    const rows = within(screen.getByRole("table", { name: "Revisions of hello" }))
      .getAllByRole("row")
      .slice(1);
    expect(rows.map((r) => r.getAttribute("data-testid"))).toEqual(["revision-2", "revision-1"]);
    await waitFor(() =>
      expect(within(rows[1]!).getByTestId("revision-traffic").textContent).toBe("100%"),
    );
    expect(within(rows[1]!).queryByRole("button")).toBeNull();
    expect(
      within(rows[0]!).getByRole("button", { name: "Send all traffic to hello-00002" }),
    ).toBeTruthy();
  });

  it("keeps the dialog open with the controller's error when the rollback is refused", async () => {
    const { client } = fakeController({
      status: 404,
      code: "REVISION_NOT_FOUND",
      message: "revision hello-00001 of hello is not kept",
    });
    const user = renderCard(client, true);
    await user.click(
      await screen.findByRole("button", { name: "Send all traffic to hello-00001" }),
    );
    const dialog = screen.getByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Send all traffic here" }));
    expect((await within(dialog).findByRole("alert")).textContent).toContain("is not kept");
    expect(screen.queryByTestId("rollback-done")).toBeNull();
  });

  it("shows a viewer the history and the traffic without a send-all", async () => {
    renderCard(fakeController().client, false);
    await screen.findByRole("table", { name: "Revisions of hello" });
    expect(segments()).toHaveLength(2);
    expect(screen.queryByRole("button", { name: /Send all traffic/ })).toBeNull();
  });

  it("lists a tag that takes no share under the bar; no bar without traffic", () => {
    const { client } = standInClient(() => jsonResponse([revision(2, V2, { current: true })]));
    const withTag = functionStatus([
      entry(2, 100),
      entry(3, 0, { tag: "next", ready_replicas: 0 }),
    ]);
    renderWithClient(client, <RevisionsPanel fn={withTag} canWrite={false} />);
    expect(segments().map((s) => s.slice(0, 2))).toEqual([["traffic-segment-2", "100%"]]);
    expect(screen.getByTestId("traffic-tag-next").textContent).toBe(
      "next reaches hello-00003 alone (0%, 0 ready)",
    );
  });

  it("asks for the list again when the function shows other traffic, not only at its interval", async () => {
    const { client, requests } = standInClient(() =>
      jsonResponse([revision(2, V2, { current: true })]),
    );
    const before = functionStatus([entry(2, 100)]);
    const after = functionStatus([entry(2, 50), entry(3, 50)]);
    function Changing() {
      const [fn, setFn] = useState(before);
      return (
        <>
          <button type="button" onClick={() => setFn(after)}>
            change
          </button>
          <RevisionsPanel fn={fn} canWrite={false} />
        </>
      );
    }
    const user = renderWithClient(client, <Changing />);
    await screen.findByRole("table", { name: "Revisions of hello" });
    const lists = () => requests.filter((r) => r === "GET /v1/functions/hello/revisions").length;
    expect(lists()).toBe(1);
    await user.click(screen.getByRole("button", { name: "change" }));
    await waitFor(() => expect(lists()).toBe(2));
    expect(segments().map((s) => s[0])).toEqual(["traffic-segment-2", "traffic-segment-3"]);
  });

  it("without traffic (a function with no revision yet) there is no bar", async () => {
    const { client } = standInClient(() => jsonResponse([]));
    const { traffic: _none, ...fn } = functionStatus([]);
    renderWithClient(client, <RevisionsPanel fn={fn} canWrite />);
    await screen.findByText(/No revision kept/);
    expect(screen.queryByRole("list", { name: "Traffic of hello" })).toBeNull();
    expect(screen.queryByTestId("rollout-progress")).toBeNull();
  });

  it.each([
    [
      {
        revision: 2,
        from: 1,
        phase: "progressing",
        step: 1,
        percent: 50,
        since: "2026-12-06T04:00:00.000Z",
      },
      "progressing",
      "step 2 of 3, 50% of the requests",
      undefined,
    ],
    [
      {
        revision: 2,
        from: 1,
        phase: "rolledBack",
        step: 0,
        percent: 0,
        since: "2026-12-06T04:00:00.000Z",
        reason: "step 1 (10%): error rate 40% over 5%",
      },
      "rolled back",
      "step 1 of 3, 0% of the requests",
      "(step 1 (10%): error rate 40% over 5%)",
    ],
  ] as const)("shows the rollout: %j", (rollout, phase, step, reason) => {
    const { client } = standInClient(() => jsonResponse([]));
    const fn = functionStatus(
      [entry(1, 100 - rollout.percent), entry(2, rollout.percent)],
      rollout,
    );
    renderWithClient(client, <RevisionsPanel fn={fn} canWrite={false} />);
    const line = screen.getByTestId("rollout-progress");
    expect(line.textContent).toMatch(/^Rollout of hello-00002 from hello-00001:/);
    expect(within(line).getByTestId("rollout-phase").textContent).toBe(phase);
    expect(within(line).getByTestId("rollout-step").textContent).toBe(step);
    expect(within(line).queryByTestId("rollout-reason")?.textContent).toBe(reason);
  });
});
