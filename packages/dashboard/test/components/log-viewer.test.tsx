import { render, screen, within } from "@testing-library/react";
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

  it("says so when there is nothing yet", () => {
    render(<LogViewer lines={[]} name="hello" state="connecting" />);
    expect(screen.getByText("No log lines yet.")).toBeTruthy();
    expect((screen.getByRole("button", { name: "Download" }) as HTMLButtonElement).disabled).toBe(
      true,
    );
  });
});
