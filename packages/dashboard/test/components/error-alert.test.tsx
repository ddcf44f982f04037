import { EventFlowError } from "@eventflow/protocol";
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { ErrorAlert } from "../../src/lib/error-alert.tsx";

describe("ErrorAlert", () => {
  it("shows an API error with its code, and nothing while there is no error", () => {
    const { rerender } = render(<ErrorAlert error={null} />);
    expect(screen.queryByRole("alert")).toBeNull();
    rerender(<ErrorAlert error={undefined} />);
    expect(screen.queryByRole("alert")).toBeNull();
    rerender(<ErrorAlert error={new EventFlowError("FUNCTION_NOT_READY", "not ready yet")} />);
    expect(screen.getByRole("alert").textContent).toBe("not ready yet (FUNCTION_NOT_READY)");
  });
});
