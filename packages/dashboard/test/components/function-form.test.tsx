import { EventFlowError } from "@eventflow/protocol";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import {
  EMPTY_FORM,
  toRequest,
  type FunctionFormValues,
} from "../../src/features/functions/api/function-schema.ts";
import { FunctionForm } from "../../src/features/functions/components/function-form.tsx";

function setup(
  onSubmit: (v: FunctionFormValues) => Promise<void> = async () => {},
  initial = EMPTY_FORM,
) {
  const submit = vi.fn(onSubmit);
  render(<FunctionForm mode="create" initial={initial} onSubmit={submit} />);
  return { submit, user: userEvent.setup() };
}

const field = (name: string) => screen.getByLabelText(name) as HTMLInputElement;
const errorOf = (input: HTMLElement) =>
  (input.getAttribute("aria-describedby") ?? "")
    .split(" ")
    .map((id) => document.getElementById(id))
    .find((el) => el?.getAttribute("role") === "alert")?.textContent;

describe("FunctionForm", () => {
  it("refuses what the API refuses, on the right fields, without submitting", async () => {
    const { submit, user } = setup();
    await user.type(field("Name"), "Bad_Name");
    await user.clear(field("Replicas"));
    await user.type(field("Replicas"), "21");
    await user.type(field("Timeout (seconds)"), "0");
    await user.type(field("CPU request"), "2");
    await user.type(field("CPU limit"), "500m");
    await user.type(field("Memory limit"), "1Mi");
    await user.click(screen.getByRole("button", { name: "Create function" }));
    await waitFor(() => expect(field("Name").getAttribute("aria-invalid")).toBe("true"));
    expect(field("Image").getAttribute("aria-invalid")).toBe("true");
    expect(field("Replicas").getAttribute("aria-invalid")).toBe("true");
    expect(field("Timeout (seconds)").getAttribute("aria-invalid")).toBe("true");
    expect(field("CPU request").getAttribute("aria-invalid")).toBe("true");
    expect(field("Memory limit").getAttribute("aria-invalid")).toBe("true");
    expect(field("CPU limit").getAttribute("aria-invalid")).toBeNull();
    expect(errorOf(field("Name"))).toBeTruthy();
    expect(submit).not.toHaveBeenCalled();
  });

  it("checks environment rows: names and duplicates", async () => {
    const { submit, user } = setup();
    await user.type(field("Name"), "hello");
    await user.type(field("Image"), "oci:/tmp/hello");
    await user.click(screen.getByRole("button", { name: "Add variable" }));
    await user.click(screen.getByRole("button", { name: "Add variable" }));
    await user.type(field("Variable 1 name"), "1BAD");
    await user.type(field("Variable 2 name"), "1BAD");
    await user.click(screen.getByRole("button", { name: "Create function" }));
    await waitFor(() => expect(field("Variable 1 name").getAttribute("aria-invalid")).toBe("true"));
    await user.clear(field("Variable 1 name"));
    await user.type(field("Variable 1 name"), "GREETING");
    await user.clear(field("Variable 2 name"));
    await user.type(field("Variable 2 name"), "GREETING");
    await user.click(screen.getByRole("button", { name: "Create function" }));
    await waitFor(() => expect(field("Variable 2 name").getAttribute("aria-invalid")).toBe("true"));
    expect(field("Variable 1 name").getAttribute("aria-invalid")).toBeNull();
    expect(submit).not.toHaveBeenCalled();
  });

  it("submits valid values, which become the API's body", async () => {
    const { submit, user } = setup();
    await user.type(field("Name"), "hello");
    await user.type(field("Image"), "127.0.0.1:5000/hello:1");
    await user.clear(field("Replicas"));
    await user.type(field("Replicas"), "2");
    await user.click(screen.getByRole("button", { name: "Add variable" }));
    await user.type(field("Variable 1 name"), "GREETING");
    await user.type(field("Variable 1 value"), "hi");
    await user.type(field("Memory limit"), "256Mi");
    await user.click(screen.getByRole("checkbox", { name: "Autoscale" }));
    await user.click(screen.getByRole("button", { name: "Create function" }));
    await waitFor(() => expect(submit).toHaveBeenCalledTimes(1));
    expect(toRequest(submit.mock.calls[0]![0])).toEqual({
      name: "hello",
      image: "127.0.0.1:5000/hello:1",
      replicas: 2,
      env: { GREETING: "hi" },
      resources: { limits: { memory: "256Mi" } },
      scaling: { metric: "concurrency", minReplicas: 1, maxReplicas: 5 },
    });
  });

  it("sends request-driven scaling and the concurrency limit", async () => {
    const { submit, user } = setup();
    await user.type(field("Name"), "hello");
    await user.type(field("Image"), "127.0.0.1:5000/hello:1");
    expect(screen.queryByLabelText("Metric")).toBeNull();
    await user.type(field("Concurrency limit"), "10");
    await user.click(screen.getByRole("checkbox", { name: "Autoscale" }));
    await user.selectOptions(field("Metric"), "rps");
    await user.type(field("Target per replica"), "25");
    await user.clear(field("Min replicas"));
    await user.type(field("Min replicas"), "0");
    await user.clear(field("Max replicas"));
    await user.type(field("Max replicas"), "8");
    await user.type(field("Scale to zero after (seconds)"), "120");
    await user.type(field("Scale-down delay (seconds)"), "30");
    await user.click(screen.getByRole("button", { name: "Create function" }));
    await waitFor(() => expect(submit).toHaveBeenCalledTimes(1));
    expect(toRequest(submit.mock.calls[0]![0])).toEqual({
      name: "hello",
      image: "127.0.0.1:5000/hello:1",
      replicas: 1,
      containerConcurrency: 10,
      scaling: {
        metric: "rps",
        target: 25,
        minReplicas: 0,
        maxReplicas: 8,
        scaleToZeroAfterSeconds: 120,
        scaleDownDelaySeconds: 30,
      },
    });
  });

  it("refuses what the scaling schema refuses, on the field it concerns", async () => {
    const { submit, user } = setup();
    await user.type(field("Name"), "hello");
    await user.type(field("Image"), "127.0.0.1:5000/hello:1");
    await user.type(field("Concurrency limit"), "20000");
    await user.click(screen.getByRole("checkbox", { name: "Autoscale" }));
    await user.selectOptions(field("Metric"), "cpu");
    // no idle time or delay for the HPA's metrics
    expect(screen.queryByLabelText("Scale to zero after (seconds)")).toBeNull();
    await user.type(field("Target per replica"), "150");
    await user.clear(field("Min replicas"));
    await user.type(field("Min replicas"), "0");
    await user.click(screen.getByRole("button", { name: "Create function" }));
    await waitFor(() =>
      expect(errorOf(field("Min replicas"))).toBe(
        "must be at least 1 with metric cpu or memory: scaling to zero needs metric concurrency or rps",
      ),
    );
    expect(errorOf(field("Target per replica"))).toBe(
      "a cpu or memory target is a utilisation percent: at most 100",
    );
    expect(errorOf(field("Concurrency limit"))).toMatch(/between 0 and 10000/);
    expect(submit).not.toHaveBeenCalled();
  });

  it("words a rule without a message of its own as the API does, not as the validator does", async () => {
    const { submit, user } = setup();
    await user.type(field("Name"), "hello");
    await user.click(field("Image"));
    await user.paste("x".repeat(1025));
    await user.click(screen.getByRole("button", { name: "Create function" }));
    await waitFor(() => expect(errorOf(field("Image"))).toBe("must be at most 1024 characters"));
    expect(submit).not.toHaveBeenCalled();
  });

  it("shows the server's field errors on the fields they name", async () => {
    const { user } = setup(async () => {
      throw new EventFlowError("REQUEST_VALIDATION_FAILED", "invalid body", {
        status: 400,
        details: [
          { path: "image", message: "not a reference" },
          { path: "resources.limits.cpu", message: "too many cores" },
          { path: "env.GREETING", message: "too long" },
        ],
      });
    });
    await user.type(field("Name"), "hello");
    await user.type(field("Image"), "x");
    await user.type(field("CPU limit"), "2");
    await user.click(screen.getByRole("button", { name: "Add variable" }));
    await user.type(field("Variable 1 name"), "GREETING");
    await user.click(screen.getByRole("button", { name: "Create function" }));
    await waitFor(() => expect(errorOf(field("Image"))).toBe("not a reference"));
    expect(errorOf(field("CPU limit"))).toBe("too many cores");
    expect(errorOf(field("Variable 1 name"))).toBe("too long");
  });

  it("puts a 409 on the name and a 422 on the image", async () => {
    let code = "FUNCTION_ALREADY_EXISTS";
    const { user } = setup(async () => {
      throw new EventFlowError(code, "conflict");
    });
    await user.type(field("Name"), "hello");
    await user.type(field("Image"), "oci:/x");
    await user.click(screen.getByRole("button", { name: "Create function" }));
    await waitFor(() => expect(field("Name").getAttribute("aria-invalid")).toBe("true"));
    expect(field("Image").getAttribute("aria-invalid")).toBeNull();
    code = "FUNCTION_IMAGE_NOT_FOUND";
    await user.click(screen.getByRole("button", { name: "Create function" }));
    await waitFor(() => expect(field("Image").getAttribute("aria-invalid")).toBe("true"));
  });
});
