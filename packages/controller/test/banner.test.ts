import { describe, expect, it } from "vitest";
import { buildBanner } from "../src/banner.js";

describe("buildBanner", () => {
  const facts = {
    version: "1.2.3",
    url: "http://127.0.0.1:8080",
    metricsUrl: "http://127.0.0.1:9090",
    driver: "local",
    devAuth: true,
    dashboard: true,
    dataDir: "/data",
  };

  it("names the API, the dashboard, metrics, data and how to log in", () => {
    expect(buildBanner(facts)).toBe(
      [
        "EventFlow controller 1.2.3 (local driver)",
        "  API        http://127.0.0.1:8080",
        "  Dashboard  http://127.0.0.1:8080/",
        "  Metrics    http://127.0.0.1:9090/metrics",
        "  Data       /data",
        "  Log in     eventflow login --url http://127.0.0.1:8080 --dev",
        "Ctrl-C stops it.",
        "",
      ].join("\n"),
    );
  });

  it("says how to build a missing dashboard, and asks for a token without dev auth", () => {
    const text = buildBanner({
      ...facts,
      dashboard: false,
      devAuth: false,
      metricsUrl: undefined,
      dataDir: undefined,
    });
    expect(text).toContain("  Dashboard  not built (npm run build -w @eventflow/dashboard");
    expect(text).toContain("--token TOKEN");
    expect(text).not.toContain("Metrics");
  });
});
