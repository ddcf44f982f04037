import { describe, expect, it } from "vitest";
import { formatMs } from "../src/support.js";

describe("formatMs (the x-eventflow-duration-ms value)", () => {
  it.each([
    [0, "0.000"],
    [0.0004, "0.000"],
    [0.001, "0.001"],
    [0.01, "0.010"],
    [0.123456, "0.123"],
    [1.9995, "2.000"],
    [12.3456, "12.346"],
    [999.9999, "1000.000"],
    [30000, "30000.000"],
  ])("writes %s ms as %s", (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });

  it("writes three decimals within half a microsecond of the value, as toFixed(3) does", () => {
    let seed = 42;
    const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 5000;
    for (let i = 0; i < 10_000; i++) {
      const ms = next();
      const text = formatMs(ms);
      expect(text).toMatch(/^\d+\.\d{3}$/);
      expect(Math.abs(Number(text) - Number(ms.toFixed(3)))).toBeLessThanOrEqual(0.0010001);
      expect(Math.abs(Number(text) - ms)).toBeLessThanOrEqual(0.0005001);
    }
  });

  it("falls back to toFixed for values it cannot split (negative, not finite)", () => {
    expect(formatMs(-0.5)).toBe("-0.500");
    expect(formatMs(Number.NaN)).toBe("NaN");
    expect(formatMs(Number.POSITIVE_INFINITY)).toBe("Infinity");
  });
});
