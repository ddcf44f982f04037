import { render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { useModalWhile } from "../../src/lib/confirm-dialog.tsx";

function Modal(props: { open: boolean; onClose: () => void }) {
  const dialog = useModalWhile(props.open);
  return (
    <dialog ref={dialog} data-testid="modal" onClose={props.onClose}>
      asks
    </dialog>
  );
}

describe("useModalWhile", () => {
  it("opens the dialog while its condition holds and closes it when it stops", () => {
    const onClose = vi.fn();
    const { rerender } = render(<Modal open={false} onClose={onClose} />);
    const dialog = screen.getByTestId("modal") as HTMLDialogElement;
    expect(dialog.open).toBe(false);
    rerender(<Modal open onClose={onClose} />);
    expect(dialog.open).toBe(true);
    rerender(<Modal open onClose={onClose} />);
    expect(dialog.open).toBe(true);
    expect(onClose).not.toHaveBeenCalled();
    rerender(<Modal open={false} onClose={onClose} />);
    expect(dialog.open).toBe(false);
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
