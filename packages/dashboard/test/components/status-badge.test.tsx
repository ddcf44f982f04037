import { FUNCTION_PHASES } from "@eventflow/protocol";
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { StatusBadge } from "../../src/features/functions/components/status-badge.tsx";

describe("StatusBadge", () => {
  it.each(FUNCTION_PHASES.map((p) => [p]))("shows %s as text and data-status", (phase) => {
    const { container } = render(<StatusBadge status={phase} />);
    const badge = container.querySelector("[data-status]")!;
    expect(badge.getAttribute("data-status")).toBe(phase);
    expect(badge.textContent).toBe(phase === "ScaledToZero" ? "Scaled to zero" : phase);
    // colour is never the only signal: an icon and text both
    expect(badge.querySelector("svg")).not.toBeNull();
  });

  it("carries the reason of a degraded function as its title", () => {
    render(<StatusBadge status="Degraded" reason="exit code 1: boom" />);
    expect(screen.getByTitle("exit code 1: boom").getAttribute("data-status")).toBe("Degraded");
  });

  it("gives each phase its own colour", () => {
    const classes = new Set(
      FUNCTION_PHASES.map(
        (p) =>
          render(<StatusBadge status={p} />).container.querySelector("[data-status]")!.className,
      ),
    );
    expect(classes.size).toBe(FUNCTION_PHASES.length);
  });
});
