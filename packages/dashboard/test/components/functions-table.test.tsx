import type { FunctionStatus } from "@eventflow/protocol";
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { FunctionsTable } from "../../src/features/functions/components/functions-table.tsx";

const NOW = Date.parse("2026-11-26T06:00:00Z");

function fn(
  name: string,
  status: FunctionStatus["status"],
  minutesOld: number,
  ready = 1,
): FunctionStatus {
  const at = new Date(NOW - minutesOld * 60_000).toISOString();
  return {
    name,
    tenant: "default",
    image: `oci:/images/${name}`,
    replicas: 2,
    available_replicas: ready,
    ready_replicas: ready,
    updated_replicas: ready,
    status,
    created_at: at,
    updated_at: at,
    url: `http://127.0.0.1:8080/fn/default/${name}/`,
    spec: { image: `oci:/images/${name}`, replicas: 2 },
  };
}

const FNS = [
  fn("beta", "Running", 5, 2),
  fn("alpha", "Degraded", 90, 1),
  fn("gamma", "Deploying", 1, 0),
];
const names = () =>
  within(screen.getByRole("table"))
    .getAllByRole("link")
    .map((a) => a.textContent);

describe("FunctionsTable", () => {
  it("lists functions sorted by name with ready/desired, recent numbers and age", () => {
    render(
      <FunctionsTable
        functions={FNS}
        stats={{ beta: { invocations: 12, errors: 1 } }}
        canCreate
        now={NOW}
      />,
    );
    expect(names()).toEqual(["alpha", "beta", "gamma"]);
    const beta = screen.getByRole("link", { name: "beta" }).closest("tr")!;
    expect(within(beta).getByText("2/2")).toBeTruthy();
    expect(within(beta).getByText("12")).toBeTruthy();
    expect(within(beta).getByText("5m")).toBeTruthy();
    expect(screen.getByRole("link", { name: "alpha" }).closest("tr")!.textContent).toContain("1h");
  });

  it("filters by text and by status, and sorts by a column both ways", async () => {
    const user = userEvent.setup();
    render(<FunctionsTable functions={FNS} canCreate now={NOW} />);
    await user.click(screen.getByRole("button", { name: "Age" }));
    expect(names()).toEqual(["gamma", "beta", "alpha"]);
    await user.click(screen.getByRole("button", { name: "Age" }));
    expect(names()).toEqual(["alpha", "beta", "gamma"]);
    expect(screen.getByRole("columnheader", { name: /Age/ }).getAttribute("aria-sort")).toBe(
      "descending",
    );
    await user.selectOptions(screen.getByLabelText("Status"), "Running");
    expect(names()).toEqual(["beta"]);
    await user.selectOptions(screen.getByLabelText("Status"), "");
    await user.type(screen.getByLabelText("Filter"), "gam");
    expect(names()).toEqual(["gamma"]);
    await user.type(screen.getByLabelText("Filter"), "zzz");
    expect(screen.getByText("No function matches the filter.")).toBeTruthy();
  });

  it("marks public functions, and only them", () => {
    const open = {
      ...fn("hook", "Running", 2),
      spec: { ...fn("hook", "Running", 2).spec, auth: "public" as const },
    };
    render(<FunctionsTable functions={[...FNS, open]} canCreate now={NOW} />);
    const badges = screen.getAllByTestId("public-badge");
    expect(badges).toHaveLength(1);
    expect(badges[0]!.closest("tr")).toBe(screen.getByRole("link", { name: "hook" }).closest("tr"));
  });

  it("tells a newcomer what to do when there is nothing", () => {
    const { rerender } = render(<FunctionsTable functions={[]} canCreate now={NOW} />);
    expect(screen.getByRole("heading", { name: "No functions yet" })).toBeTruthy();
    expect(
      screen.getByRole("link", { name: "Create your first function" }).getAttribute("href"),
    ).toBe("/functions/new");
    rerender(<FunctionsTable functions={[]} canCreate={false} now={NOW} />);
    expect(screen.queryByRole("link", { name: "Create your first function" })).toBeNull();
  });
});
