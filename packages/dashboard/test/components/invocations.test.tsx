/**
 * The invocations feature: cron words, result previews, a function's invocations (filter, detail),
 * the dead letters (redrive one, selected, all; purge after confirmation; read only for viewers)
 * and the triggers card. The SDK's real client talks to `fakeController`, a stand-in for the
 * controller's invocation routes (no controller runs in the jsdom tier; the browser tier,
 * invocations.browser.test.ts, drives the real one).
 */
import type { Invocation } from "@eventflow/sdk/client";
import { render, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { describeCron } from "../../src/features/invocations/api/cron-text.ts";
import {
  attemptDurationMs,
  toResultPreview,
} from "../../src/features/invocations/api/result-preview.ts";
import { DeadLetters } from "../../src/features/invocations/components/dead-letters.tsx";
import { FunctionTriggers } from "../../src/features/invocations/components/function-triggers.tsx";
import { InvocationsPanel } from "../../src/features/invocations/components/invocations-panel.tsx";
import {
  errorResponse,
  jsonResponse,
  renderWithClient,
  standInClient,
} from "./support/stand-in.tsx";

const b64 = (text: string) => Buffer.from(text).toString("base64");

function invocation(id: string, over: Partial<Invocation> = {}): Invocation {
  return {
    id,
    tenant: "default",
    function: "pricing",
    state: "succeeded",
    createdAt: "2026-12-06T04:00:00.000Z",
    updatedAt: "2026-12-06T04:00:01.000Z",
    finishedAt: "2026-12-06T04:00:01.000Z",
    maxAttempts: 3,
    attempts: [
      {
        attempt: 1,
        startedAt: "2026-12-06T04:00:00.500Z",
        finishedAt: "2026-12-06T04:00:00.742Z",
        status: 200,
      },
    ],
    result: {
      status: 200,
      contentType: "application/json",
      body: b64('{"total":360,"lines":[1]}'),
      truncated: false,
    },
    ...over,
  };
}

const DEAD_ATTEMPTS = [1, 2, 3].map((n) => ({
  attempt: n,
  startedAt: "2026-12-06T04:00:00.000Z",
  finishedAt: "2026-12-06T04:00:00.100Z",
  error: { code: "FUNCTION_CRASH_LOOP", message: "crasher keeps crashing" },
}));

const dead = (id: string, fn = "pricing") =>
  invocation(id, { function: fn, state: "dead", attempts: DEAD_ATTEMPTS, result: undefined });

/**
 * The controller's invocation routes over a list of records: reads filter it, redrive makes
 * the chosen dead letters queued, purge removes them. `refuse` answers every POST with an error.
 */
function fakeController(records: Invocation[], refuse?: { status: number; code: string }) {
  let all = [...records];
  const letters = () => all.filter((i) => i.state === "dead" || i.state === "failed");
  return standInClient((method, url, body) => {
    if (method === "POST") {
      if (refuse) return errorResponse(refuse.status, refuse.code);
      const sel = JSON.parse(body) as { ids?: string[]; function?: string; all?: boolean };
      const hit = letters().filter(
        (i) => sel.all === true || sel.ids?.includes(i.id) || sel.function === i.function,
      );
      const ids = hit.map((i) => i.id);
      all = url.pathname.endsWith(":purge")
        ? all.filter((i) => !ids.includes(i.id))
        : all.map((i) => (ids.includes(i.id) ? { ...i, state: "queued" as const } : i));
      return jsonResponse({ ids, count: ids.length });
    }
    if (url.pathname === "/v1/dead-letters") {
      const fn = url.searchParams.get("function");
      return jsonResponse(letters().filter((i) => fn === null || i.function === fn));
    }
    const one = /^\/v1\/invocations\/(.+)$/.exec(url.pathname);
    if (one) return jsonResponse(all.find((i) => i.id === one[1]));
    const states = url.searchParams.get("state")?.split(",");
    return jsonResponse(all.filter((i) => states === undefined || states.includes(i.state)));
  });
}

describe("describeCron", () => {
  it.each([
    ["* * * * *", "every minute"],
    ["*/5 * * * *", "every 5 minutes"],
    ["0 * * * *", "every hour"],
    ["15 */2 * * *", "every 2 hours at minute 15"],
    ["0 3 * * *", "every day at 03:00"],
    ["30 9 * * 1", "every Monday at 09:30"],
    ["30 9 * * sun", "every Sunday at 09:30"],
    ["0 8 * * 1-5", "every weekday at 08:00"],
    ["0 0 1 * *", "every month on day 1 at 00:00"],
    ["* * * * * *", "every second"],
    ["*/2 * * * * *", "every 2 seconds"],
    ["0 */10 * * * *", "every 10 minutes"],
    ["  0  3 * * *  ", "every day at 03:00"],
  ])("%s is %s", (cron, words) => {
    expect(describeCron(cron)).toBe(words);
  });

  it.each(["0 3 * 6 *", "1,31 * * * *", "0 9-17 * * *", "5 * * * * *", "0 3 1 * 1", "bad"])(
    "%s has no words (shown as the pattern alone)",
    (cron) => {
      expect(describeCron(cron)).toBeUndefined();
    },
  );
});

describe("toResultPreview", () => {
  it("indents JSON, counts the kept bytes and passes truncation on", () => {
    const preview = toResultPreview(invocation("a").result!);
    expect(preview.text).toBe('{\n  "total": 360,\n  "lines": [\n    1\n  ]\n}');
    expect(preview.bytes).toBe(25);
    expect(preview.truncated).toBe(false);
    const cut = toResultPreview({
      status: 200,
      contentType: "application/json",
      body: b64('{"a":'),
      truncated: true,
    });
    expect(cut).toMatchObject({ text: '{"a":', truncated: true });
  });

  it("shows text as it came and says binary bodies are binary", () => {
    expect(toResultPreview({ status: 201, body: b64("héllo"), truncated: false }).text).toBe(
      "héllo",
    );
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe]).toString("base64");
    expect(
      toResultPreview({ status: 200, contentType: "image/png", body: png, truncated: false }),
    ).toMatchObject({ text: undefined, bytes: 6 });
  });

  it("measures an attempt, not one that still runs", () => {
    expect(attemptDurationMs(invocation("a").attempts[0]!)).toBe(242);
    expect(attemptDurationMs({ startedAt: "2026-12-06T04:00:00.000Z" })).toBeUndefined();
  });
});

describe("InvocationsPanel", () => {
  it("lists a function's invocations with their states, filters by state and opens one", async () => {
    const { client, requests } = fakeController([
      invocation("inv-ok"),
      dead("inv-dead"),
      invocation("inv-queued", {
        state: "queued",
        attempts: [],
        result: undefined,
        finishedAt: undefined,
      }),
    ]);
    const user = renderWithClient(client, <InvocationsPanel name="pricing" />);
    const table = await screen.findByRole("table", { name: "Invocations of pricing" });
    // The table is drawn anew for each filter: look it up each time.
    const states = () =>
      [
        ...(screen
          .queryByRole("table", { name: "Invocations of pricing" })
          ?.querySelectorAll("[data-state]") ?? []),
      ].map((b) => b.getAttribute("data-state"));
    expect(states()).toEqual(["succeeded", "dead", "queued"]);
    const deadRow = table.querySelector('[data-invocation="inv-dead"]')!;
    expect(within(deadRow as HTMLElement).getByTestId("attempts").textContent).toBe("3");
    expect(deadRow.textContent).toContain("FUNCTION_CRASH_LOOP");
    expect(requests[0]).toBe("GET /v1/functions/pricing/invocations?limit=50");

    await user.selectOptions(screen.getByLabelText("State"), "dead");
    await waitFor(() => expect(states()).toEqual(["dead"]));
    expect(requests).toContain("GET /v1/functions/pricing/invocations?state=dead&limit=50");

    await user.selectOptions(screen.getByLabelText("State"), "");
    await user.click(await screen.findByRole("button", { name: "Open invocation inv-ok" }));
    const detail = await screen.findByTestId("invocation-detail");
    expect(await within(detail).findByTestId("result-body")).toHaveProperty(
      "textContent",
      '{\n  "total": 360,\n  "lines": [\n    1\n  ]\n}',
    );
    const attempt = within(detail).getByTestId("attempt");
    expect(attempt.textContent).toContain("200");
    expect(attempt.textContent).toContain("242 ms");
    expect(requests).toContain("GET /v1/invocations/inv-ok");
    await user.click(within(detail).getByRole("button", { name: "Close invocation" }));
    expect(screen.queryByTestId("invocation-detail")).toBeNull();
  });

  it("shows each attempt's error in the detail of a dead invocation", async () => {
    const { client } = fakeController([dead("inv-dead")]);
    const user = renderWithClient(client, <InvocationsPanel name="pricing" />);
    await user.click(await screen.findByRole("button", { name: "Open invocation inv-dead" }));
    const attempts = await screen.findAllByTestId("attempt");
    expect(attempts).toHaveLength(3);
    expect(attempts[2]!.textContent).toContain("crasher keeps crashing (FUNCTION_CRASH_LOOP)");
    expect(screen.queryByTestId("result-body")).toBeNull();
  });

  it("says so when the controller has no queue", async () => {
    const { client: off } = standInClient(() => errorResponse(503, "ASYNC_UNAVAILABLE", "off"));
    renderWithClient(off, <InvocationsPanel name="pricing" />);
    expect(
      (
        await screen.findByText("Asynchronous invocations are off on this controller.")
      ).getAttribute("role"),
    ).toBe("status");
    expect(screen.queryByRole("alert")).toBeNull();
  });
});

describe("DeadLetters", () => {
  it("redrives one, the selected, and all of a function", async () => {
    const { client, requests } = fakeController([
      dead("d1"),
      dead("d2"),
      dead("d3"),
      dead("d4"),
      invocation("ok"),
    ]);
    const user = renderWithClient(client, <DeadLetters name="pricing" canWrite />);
    const table = await screen.findByRole("table", { name: "Dead letters of pricing" });
    expect(within(table).getAllByRole("row")).toHaveLength(5); // header + 4 dead
    await user.click(screen.getByRole("button", { name: "Redrive d1" }));
    expect((await screen.findByTestId("dead-letters-done")).textContent).toBe(
      "Redriven: 1 invocation queued again.",
    );
    await waitFor(() => expect(table.querySelector('[data-invocation="d1"]')).toBeNull());
    const selected = screen.getByRole("button", { name: "Redrive selected" }) as HTMLButtonElement;
    expect(selected.disabled).toBe(true);
    await user.click(screen.getByRole("checkbox", { name: "Select d2" }));
    await user.click(screen.getByRole("checkbox", { name: "Select d3" }));
    await user.click(selected);
    await waitFor(() =>
      expect(screen.getByTestId("dead-letters-done").textContent).toBe(
        "Redriven: 2 invocations queued again.",
      ),
    );
    await user.click(await screen.findByRole("button", { name: "Redrive all" }));
    await screen.findByText("No dead letters", { exact: false });
    expect(requests.filter((r) => r.startsWith("POST"))).toEqual([
      'POST /v1/dead-letters:redrive {"ids":["d1"]}',
      'POST /v1/dead-letters:redrive {"ids":["d2","d3"]}',
      'POST /v1/dead-letters:redrive {"function":"pricing"}',
    ]);
    expect(requests).toContain("GET /v1/dead-letters?function=pricing&limit=50");
  });

  it("purges only after confirmation: the selected, or all of the tenant", async () => {
    const { client, requests } = fakeController([dead("d1"), dead("d2", "other"), dead("d3")]);
    const user = renderWithClient(client, <DeadLetters canWrite />);
    const table = await screen.findByRole("table", { name: "Dead letters" });
    expect(within(table).getByRole("link", { name: "other" }).getAttribute("href")).toBe(
      "/functions/other",
    );
    await user.click(screen.getByRole("checkbox", { name: "Select d1" }));
    await user.click(screen.getByRole("button", { name: "Purge selected" }));
    const dialog = screen.getByRole("dialog");
    expect(within(dialog).getByRole("heading").textContent).toBe("Purge 1 invocation?");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(requests.filter((r) => r.startsWith("POST"))).toEqual([]);
    await user.click(screen.getByRole("button", { name: "Purge selected" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Purge" }));
    await waitFor(() =>
      expect(screen.getByTestId("dead-letters-done").textContent).toBe("Purged 1 invocation."),
    );
    await waitFor(() => expect(table.querySelector('[data-invocation="d1"]')).toBeNull());
    await user.click(screen.getByRole("button", { name: "Purge all" }));
    expect(within(screen.getByRole("dialog")).getByRole("heading").textContent).toBe(
      "Purge every dead letter of the tenant?",
    );
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Purge" }));
    await screen.findByText("No dead letters", { exact: false });
    expect(requests.filter((r) => r.startsWith("POST"))).toEqual([
      'POST /v1/dead-letters:purge {"ids":["d1"]}',
      'POST /v1/dead-letters:purge {"all":true}',
    ]);
  });

  it("shows a refused redrive with its code, and a viewer no write control", async () => {
    const refused = fakeController([dead("d1")], { status: 503, code: "ASYNC_UNAVAILABLE" });
    const user = renderWithClient(refused.client, <DeadLetters name="pricing" canWrite />);
    await user.click(await screen.findByRole("button", { name: "Redrive d1" }));
    expect((await screen.findByRole("alert")).textContent).toContain("(ASYNC_UNAVAILABLE)");
  });

  it("gives a viewer the list and the detail, no write control", async () => {
    const { client } = fakeController([dead("d1")]);
    const user = renderWithClient(client, <DeadLetters name="pricing" canWrite={false} />);
    await screen.findByRole("table", { name: "Dead letters of pricing" });
    expect(screen.queryAllByRole("checkbox")).toEqual([]);
    for (const name of ["Redrive d1", "Redrive selected", "Redrive all", "Purge all"])
      expect(screen.queryByRole("button", { name }), name).toBeNull();
    await user.click(screen.getByRole("button", { name: "Open invocation d1" }));
    expect(await screen.findAllByTestId("attempt")).toHaveLength(3);
  });
});

describe("FunctionTriggers", () => {
  it("reads out schedules (in words when it can) and NATS subjects", () => {
    render(
      <FunctionTriggers
        triggers={[
          {
            type: "schedule",
            cron: "*/5 * * * *",
            timezone: "Europe/Paris",
            data: { job: "sweep" },
          },
          { type: "schedule", cron: "0 9-17 * * *" },
          { type: "nats", subject: "orders.>", queue: "billing" },
          { type: "nats", subject: "audit.*" },
        ]}
      />,
    );
    const items = within(screen.getByRole("list", { name: "Triggers" })).getAllByRole("listitem");
    expect(items.map((i) => i.textContent)).toEqual([
      "Schedule */5 * * * *: every 5 minutes, Europe/Parisdata job=sweep",
      "Schedule 0 9-17 * * *, UTC",
      "NATS subject orders.>, queue group billing",
      "NATS subject audit.*, the function's own queue group",
    ]);
  });

  it("shows nothing for a function without triggers", () => {
    const { container } = render(<FunctionTriggers triggers={undefined} />);
    expect(container.textContent).toBe("");
  });
});
