import type { FunctionStatus } from "@eventflow/protocol";
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { FunctionOverview } from "../../src/features/functions/components/function-overview.tsx";

const BASE: FunctionStatus = {
  name: "hello",
  tenant: "default",
  image: "oci:/img",
  replicas: 2,
  available_replicas: 1,
  ready_replicas: 1,
  updated_replicas: 2,
  status: "Degraded",
  created_at: "2026-11-26T05:00:00.000Z",
  updated_at: "2026-11-26T05:00:00.000Z",
  url: "http://127.0.0.1:8080/fn/default/hello/",
  last_error: {
    code: "FUNCTION_CRASH_LOOP",
    message: "exit code 1: boom",
    at: "2026-11-26T05:59:00.000Z",
  },
  spec: { image: "oci:/img", replicas: 2, env: { GREETING: "hi" }, timeoutSeconds: 5 },
};

describe("FunctionOverview", () => {
  it("shows a degraded function's reason with its code, and its replicas and configuration", () => {
    render(<FunctionOverview fn={BASE} />);
    const reason = screen.getByRole("status");
    expect(reason.textContent).toContain("FUNCTION_CRASH_LOOP");
    expect(reason.textContent).toContain("exit code 1: boom");
    expect(screen.getByTestId("replica-status").textContent).toBe(
      "1/2 ready, 1 available, 2 updated",
    );
    expect(screen.getByText("GREETING=hi")).toBeTruthy();
    expect(screen.getByText("5 s")).toBeTruthy();
    expect(document.querySelector('[data-status="Degraded"]')?.getAttribute("title")).toBe(
      "exit code 1: boom",
    );
  });

  it("shows endpoint access, CORS, the body limit and secrets, and marks a public function", () => {
    render(
      <FunctionOverview
        fn={{
          ...BASE,
          spec: {
            ...BASE.spec,
            auth: "public",
            cors: { allowOrigins: ["https://app.example.com"], allowMethods: ["GET", "POST"] },
            maxBodyBytes: 1024 * 1024,
            secrets: [
              { name: "stripe", mount: "files" },
              { name: "db", mount: "env", keys: ["DB_PASSWORD"] },
            ],
          },
        }}
      />,
    );
    expect(screen.getByTestId("public-badge")).toBeTruthy();
    expect(screen.getByText("public: no token needed")).toBeTruthy();
    expect(screen.getByTestId("cors").textContent).toBe(
      "origins https://app.example.com; methods GET, POST",
    );
    expect(screen.getByText("1 MiB")).toBeTruthy();
    expect(screen.getByText("stripe").closest("li")!.textContent).toBe(
      "stripe as files in /var/eventflow/secrets/stripe/",
    );
    expect(screen.getByText("db").closest("li")!.textContent).toBe(
      "db as environment variables (keys DB_PASSWORD)",
    );
  });

  it("shows a token function's defaults and no public badge", () => {
    render(<FunctionOverview fn={BASE} />);
    expect(screen.queryByTestId("public-badge")).toBeNull();
    expect(screen.getByText("token: callers need an invoke token")).toBeTruthy();
    expect(screen.getByText("controller default")).toBeTruthy();
    expect(screen.getByText(/^off/)).toBeTruthy();
  });

  it("reads resources and scaling out as rows, never as JSON", () => {
    render(
      <FunctionOverview
        fn={{
          ...BASE,
          spec: {
            ...BASE.spec,
            resources: { requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "1" } },
            scaling: { minReplicas: 1, maxReplicas: 5, targetCPUUtilization: 70 },
          },
        }}
      />,
    );
    const row = (label: string) =>
      screen.getByText(label, { selector: "dt" }).nextElementSibling?.textContent;
    expect(row("CPU")).toBe("100m requested, 1 limit");
    expect(row("Memory")).toBe("64Mi requested");
    expect(row("Autoscaling")).toBe("CPU 70 % utilisation (HPA), 1-5 replicas");
    expect(document.body.textContent).not.toMatch(/[{}"]/);
  });

  it("says request-driven scaling in words, with the limit and the autoscaler's view", () => {
    render(
      <FunctionOverview
        fn={{
          ...BASE,
          spec: {
            ...BASE.spec,
            containerConcurrency: 12,
            scaling: { metric: "concurrency", target: 10, minReplicas: 0, maxReplicas: 10 },
          },
          autoscaler: { desired_replicas: 3, observed: 27.25, panic: true, queued: 4 },
        }}
      />,
    );
    const row = (label: string) =>
      screen.getByText(label, { selector: "dt" }).nextElementSibling?.textContent;
    expect(row("Autoscaling")).toBe(
      "Concurrency 10 per replica, 0-10 replicas, to zero after 60 s, at most 12 requests at once per replica",
    );
    expect(row("Concurrency limit")).toMatch(/^12 requests at once per replica/);
    expect(row("Autoscaler")).toBe("3 desired, 27.3 observed, panic, 4 queued");
  });

  it("shows no autoscaler row for a function it does not scale", () => {
    render(<FunctionOverview fn={BASE} />);
    expect(screen.queryByTestId("autoscaler")).toBeNull();
    expect(screen.queryByText("Concurrency limit")).toBeNull();
  });

  it("shows no reason box when nothing is wrong", () => {
    const { last_error: _unused, ...healthy } = BASE;
    render(<FunctionOverview fn={{ ...healthy, status: "Running" }} />);
    expect(screen.queryByRole("status")).toBeNull();
  });
});
