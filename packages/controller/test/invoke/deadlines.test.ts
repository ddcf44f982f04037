import { afterEach, describe, expect, it, vi } from "vitest";
import { createDeadlines } from "../../src/invoke/deadlines.js";

describe("createDeadlines", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("fires once after the delay, within its resolution, unless cancelled", () => {
    vi.useFakeTimers();
    const deadlines = createDeadlines(50);
    const fired: string[] = [];
    deadlines.add(200, () => fired.push("a"));
    const b = deadlines.add(200, () => fired.push("b"));
    deadlines.add(1000, () => fired.push("c"));
    b.cancel();
    b.cancel();
    vi.advanceTimersByTime(150);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(fired).toEqual(["a"]);
    vi.advanceTimersByTime(1000);
    expect(fired).toEqual(["a", "c"]);
    expect(deadlines.size).toBe(0);
  });
});
