import { EventFlowError } from "@eventflow/protocol";
import { Inbox } from "lucide-react";
import { QueryClient, QueryClientProvider, useQuery } from "@tanstack/react-query";
import { render, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Age, EmptyList, ListHeading } from "../../src/lib/list-page.tsx";

/** A list page's heading over a real query whose function is `load`. */
function Page(props: { load: () => Promise<string[]>; write: boolean }) {
  const list = useQuery({ queryKey: ["things"], queryFn: props.load, retry: false });
  return (
    <ListHeading
      title="Things"
      create={props.write && { href: "/things/new", label: "Create thing" }}
      list={list}
    />
  );
}

const show = (props: Parameters<typeof Page>[0]) =>
  render(
    <QueryClientProvider client={new QueryClient()}>
      <Page {...props} />
    </QueryClientProvider>,
  );

describe("ListHeading", () => {
  it("titles the page and offers a writer the create link, while the list loads", () => {
    show({ load: () => new Promise(() => {}), write: true });
    expect(screen.getByRole("heading", { level: 1 }).textContent).toBe("Things");
    expect(screen.getByRole("link", { name: "Create thing" }).getAttribute("href")).toBe(
      "/things/new",
    );
    expect(screen.getByRole("status").textContent).toBe("Loading things...");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("offers a reader no create link, and says why the list did not load, with its code", async () => {
    const denied = new EventFlowError("AUTH_FORBIDDEN", "not allowed");
    show({ load: () => Promise.reject(denied), write: false });
    expect((await screen.findByRole("alert")).textContent).toBe(
      "Could not load things: not allowed (AUTH_FORBIDDEN)",
    );
    expect(screen.queryByRole("link")).toBeNull();
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("shows neither line once the list is there", async () => {
    show({ load: () => Promise.resolve(["a"]), write: true });
    expect(screen.getByRole("status")).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole("status")).toBeNull());
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.getByRole("link", { name: "Create thing" })).toBeTruthy();
  });
});

describe("EmptyList", () => {
  it("is a region named by its title, saying what the list is for, with the create link", () => {
    render(
      <EmptyList icon={Inbox} title="No things yet" create={{ href: "/things/new", label: "Add" }}>
        Things are <code>made</code> here.
      </EmptyList>,
    );
    const region = screen.getByRole("region", { name: "No things yet" });
    expect(region.textContent).toContain("Things are made here.");
    expect(screen.getByRole("link", { name: "Add" }).getAttribute("href")).toBe("/things/new");
  });
});

describe("Age", () => {
  it("says how long ago, with the machine-readable time", () => {
    const iso = "2026-11-26T05:30:00.000Z";
    render(<Age iso={iso} now={Date.parse("2026-11-26T06:00:00Z")} />);
    const time = screen.getByText("30m");
    expect(time.tagName).toBe("TIME");
    expect(time.getAttribute("datetime")).toBe(iso);
    expect(time.getAttribute("title")).toBeTruthy();
  });
});
