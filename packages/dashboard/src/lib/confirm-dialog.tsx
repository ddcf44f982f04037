/** A modal dialog that asks before a destructive action: title, body, error, Cancel and confirm. */
import { useEffect, useId, useRef, type ReactNode, type RefObject } from "react";
import { ErrorAlert } from "./error-alert.tsx";

/** A ref for a dialog that is open, as a modal, exactly while `open` is true. */
export function useModalWhile(open: boolean): RefObject<HTMLDialogElement | null> {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const el = dialog.current;
    if (open && el && !el.open) el.showModal();
    if (!open && el?.open) el.close();
  }, [open]);
  return dialog;
}

/**
 * The dialog; the caller opens it through `dialogRef` (`showModal()`). `error`, unless null or
 * undefined, is shown with {@link ErrorAlert} above the buttons.
 */
export function ConfirmDialog(props: {
  dialogRef: RefObject<HTMLDialogElement | null>;
  title: ReactNode;
  confirmLabel: string;
  confirmDisabled: boolean;
  error?: unknown;
  onConfirm: () => void;
  onClose: () => void;
  children: ReactNode;
}) {
  const titleId = useId();
  return (
    <dialog
      ref={props.dialogRef}
      aria-labelledby={titleId}
      className="card m-auto max-w-md backdrop:bg-black/50"
      onClose={props.onClose}
    >
      <form
        className="space-y-4"
        onSubmit={(event) => {
          event.preventDefault();
          props.onConfirm();
        }}
      >
        <h2 id={titleId} className="text-lg font-semibold">
          {props.title}
        </h2>
        {props.children}
        <ErrorAlert error={props.error} />
        <div className="flex justify-end gap-2">
          <button type="button" className="btn" onClick={() => props.dialogRef.current?.close()}>
            Cancel
          </button>
          <button type="submit" className="btn-danger" disabled={props.confirmDisabled}>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
