import { fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { LogViewer } from "../../src/features/logs/components/log-viewer.tsx";
import type { LogRecord } from "../../src/lib/api-client.ts";

const line = (
  id: number,
  replica: string,
  text: string,
  stream: "stdout" | "stderr" = "stdout",
): LogRecord => ({
  id: String(id),
  replica,
  stream,
  timestamp: new Date(Date.UTC(2026, 10, 26, 5, 0, id)).toISOString(),
  line: text,
});

const LINES = [
  line(1, "hello-0", "listening on 8080"),
  line(2, "hello-1", "listening on 8081"),
  line(3, "hello-0", "GET / 200", "stderr"),
];
const shownLines = () =>
  within(screen.getByRole("log"))
    .queryAllByText(/listening|GET|later/)
    .map((e) => e.textContent);

describe("LogViewer", () => {
  it("shows every line with its replica, stderr marked", () => {
    render(<LogViewer lines={LINES} name="hello" state="live" />);
    expect(shownLines()).toEqual(["listening on 8080", "listening on 8081", "GET / 200"]);
    expect(screen.getByRole("log").querySelectorAll('[data-stream="stderr"]')).toHaveLength(1);
  });

  it("searches and filters by replica", async () => {
    const user = userEvent.setup();
    render(<LogViewer lines={LINES} name="hello" state="live" />);
    await user.type(screen.getByLabelText("Search logs"), "LISTENING");
    expect(shownLines()).toEqual(["listening on 8080", "listening on 8081"]);
    await user.selectOptions(screen.getByLabelText("Replica"), "hello-1");
    expect(shownLines()).toEqual(["listening on 8081"]);
    await user.clear(screen.getByLabelText("Search logs"));
    await user.type(screen.getByLabelText("Search logs"), "nothing like this");
    expect(screen.getByText("No line matches.")).toBeTruthy();
  });

  it("pauses: new lines wait until resumed, and are counted", async () => {
    const user = userEvent.setup();
    const { rerender } = render(<LogViewer lines={LINES} name="hello" state="live" />);
    await user.click(screen.getByRole("button", { name: "Pause" }));
    rerender(
      <LogViewer lines={[...LINES, line(4, "hello-0", "later line")]} name="hello" state="live" />,
    );
    expect(shownLines()).not.toContain("later line");
    const resume = screen.getByRole("button", { name: "Resume (1 new)" });
    expect(resume.getAttribute("aria-pressed")).toBe("true");
    await user.click(resume);
    expect(shownLines()).toContain("later line");
  });

  it("downloads the shown lines as text", async () => {
    const user = userEvent.setup();
    const blobs: Blob[] = [];
    URL.createObjectURL = vi.fn((b: Blob) => {
      blobs.push(b);
      return "blob:logs";
    });
    URL.revokeObjectURL = vi.fn();
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    render(<LogViewer lines={LINES} name="hello" state="live" />);
    await user.selectOptions(screen.getByLabelText("Replica"), "hello-0");
    await user.click(screen.getByRole("button", { name: "Download" }));
    expect(click).toHaveBeenCalledTimes(1);
    const text = await blobs[0]!.text();
    expect(text.trim().split("\n")).toHaveLength(2);
    expect(text).toContain("hello-0 stderr GET / 200");
    click.mockRestore();
  });

  it("shows a structured line once: one time, its level, the message, the other fields", () => {
    const json = line(
      5,
      "hello-0",
      '{"level":"warn","time":"2026-11-26T05:00:05.000Z","msg":"slow upstream","ms":950}',
    );
    render(
      <LogViewer lines={[{ ...json, fields: JSON.parse(json.line) }]} name="hello" state="live" />,
    );
    const row = screen.getByRole("log").querySelector('[data-level="warn"]')!;
    expect(row.querySelectorAll("time")).toHaveLength(1);
    expect(row.textContent).not.toContain("2026-11-26");
    expect(within(row as HTMLElement).getByTestId("log-message").textContent).toBe("slow upstream");
    expect(row.textContent).toContain("ms=950");
    expect(row.textContent).not.toContain('"level"');
  });

  it("filters by level: a level and the ones above it", async () => {
    const user = userEvent.setup();
    const structured = (id: number, level: string, msg: string) => {
      const l = line(id, "hello-0", JSON.stringify({ level, msg }));
      return { ...l, fields: { level, msg } };
    };
    render(
      <LogViewer
        lines={[
          structured(1, "info", "listening"),
          structured(2, "error", "GET failed"),
          line(3, "hello-0", "later crash", "stderr"),
        ]}
        name="hello"
        state="live"
      />,
    );
    await user.selectOptions(screen.getByLabelText("Level"), "warn");
    expect(shownLines()).toEqual(["GET failed", "later crash"]);
    await user.selectOptions(screen.getByLabelText("Level"), "");
    expect(shownLines()).toHaveLength(3);
  });

  it("fades the box's top while lines are hidden above it, not when scrolled to the top", () => {
    render(<LogViewer lines={LINES} name="hello" state="live" />);
    const box = screen.getByRole("log");
    const fade = () => within(box).queryByTestId("log-fade");
    expect(box.getAttribute("data-hidden-above")).toBeNull();
    expect(fade()).toBeNull();
    // jsdom has no layout: scroll the box as a browser would once it overflows
    box.scrollTop = 40;
    fireEvent.scroll(box);
    expect(box.getAttribute("data-hidden-above")).toBe("true");
    expect(fade()).not.toBeNull();
    box.scrollTop = 0;
    fireEvent.scroll(box);
    expect(fade()).toBeNull();
  });

  it("says so when there is nothing yet", () => {
    render(<LogViewer lines={[]} name="hello" state="connecting" />);
    expect(screen.getByText("No log lines yet.")).toBeTruthy();
    expect((screen.getByRole("button", { name: "Download" }) as HTMLButtonElement).disabled).toBe(
      true,
    );
  });
});
