/**
 * The events card: a function's events newest first with type badges, reason and detail, the
 * empty and error states, and the refresh while shown. The SDK's real client talks to a
 * stand-in for the controller's events route (no controller runs in the jsdom tier; the browser
 * tier, dashboard.browser.test.ts, drives the real one).
 */
import type { FunctionEvent } from "@eventflow/sdk/client";
import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { EventsCard } from "../../src/features/events/components/events-card.tsx";
import { eventDetail } from "../../src/features/events/components/events-table.tsx";
import {
  errorResponse,
  jsonResponse,
  renderWithClient,
  standInClient,
} from "./support/stand-in.tsx";

const now = Date.now();
const ago = (s: number) => new Date(now - s * 1000).toISOString();

const EVENTS: FunctionEvent[] = [
  {
    time: ago(5),
    type: "crashed",
    reason: "OOMKilled",
    message: "replica pricing-abc-x2x4z exited with code 137",
    replica: "pricing-abc-x2x4z",
    exit_code: 137,
    count: 4,
  },
  {
    time: ago(60),
    type: "scaled",
    reason: "Scaled",
    message: "replicas 1 -> 3 (api)",
    from: 1,
    to: 3,
    by: "api",
  },
  {
    time: ago(3600),
    type: "deployed",
    reason: "Deployed",
    message: "revision 1: reg/pricing:v1 by alice",
    revision: 1,
  },
];

function controller(answers: Array<FunctionEvent[] | { status: number; code: string }>) {
  let calls = 0;
  return standInClient(() => {
    const answer = answers[Math.min(calls++, answers.length - 1)]!;
    return Array.isArray(answer) ? jsonResponse(answer) : errorResponse(answer.status, answer.code);
  });
}

describe("EventsCard", () => {
  it("lists the events newest first with their type badge, reason, detail and message", async () => {
    const { client, requests } = controller([EVENTS]);
    renderWithClient(client, <EventsCard name="pricing" />);
    const table = await screen.findByRole("table", { name: "Events of pricing" });
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => r.getAttribute("data-event"))).toEqual([
      "crashed",
      "scaled",
      "deployed",
    ]);
    expect(
      within(rows[0]!)
        .getByText("crashed")
        .closest("[data-event-type]")
        ?.getAttribute("data-event-type"),
    ).toBe("crashed");
    expect(within(rows[0]!).getByText("OOMKilled")).toBeTruthy();
    expect(within(rows[0]!).getByText("exit 137, 4×")).toBeTruthy();
    expect(within(rows[1]!).getByText("1 -> 3 (api)")).toBeTruthy();
    expect(within(rows[2]!).getByText("revision 1")).toBeTruthy();
    expect(within(rows[2]!).getByText(/reg\/pricing:v1 by alice/)).toBeTruthy();
    // Relative times, the exact one on hover.
    const time = within(rows[2]!).getByText((_, el) => el?.tagName === "TIME");
    expect(time.getAttribute("datetime")).toBe(EVENTS[2]!.time);
    expect(time.getAttribute("title")).not.toBe("");
    expect(requests[0]).toBe("GET /v1/functions/pricing/events");
  });

  it("says when there is none, and shows the controller's refusal", async () => {
    const empty = controller([[]]);
    renderWithClient(empty.client, <EventsCard name="quiet" />);
    expect(await screen.findByText("No event yet.")).toBeTruthy();

    const refused = controller([{ status: 404, code: "FUNCTION_NOT_FOUND" }]);
    renderWithClient(refused.client, <EventsCard name="gone" />);
    expect((await screen.findByRole("alert")).textContent).toMatch(/Could not load events/);
  });

  it("refreshes while shown: a new event appears on top", async () => {
    const newer: FunctionEvent = {
      time: new Date().toISOString(),
      type: "ready",
      reason: "Ready",
      message: "replica pricing-1 is ready",
    };
    const { client, requests } = controller([EVENTS, [newer, ...EVENTS]]);
    renderWithClient(client, <EventsCard name="pricing" />);
    await screen.findByRole("table", { name: "Events of pricing" });
    await waitFor(
      () => expect(screen.getAllByRole("row")[1]?.getAttribute("data-event")).toBe("ready"),
      { timeout: 5000 },
    );
    expect(requests.length).toBeGreaterThanOrEqual(2);
  });

  it("eventDetail: the shared detail and how many times it was seen", () => {
    expect(
      eventDetail({
        time: ago(1),
        type: "crashed",
        reason: "CrashLoopBackOff",
        message: "",
        count: 1,
        exit_code: 1,
      }),
    ).toBe("exit 1");
    expect(
      eventDetail({
        time: ago(1),
        type: "failed",
        reason: "ImagePullBackOff",
        message: "",
        count: 3,
      }),
    ).toBe("3×");
  });
});
