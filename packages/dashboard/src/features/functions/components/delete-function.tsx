/** Delete with confirmation: a modal dialog where the name must be typed. */
import { Trash2 } from "lucide-react";
import { useId, useRef, useState } from "react";
import { useDeleteFunction } from "../hooks/use-function-mutations.ts";
import { ConfirmDialog } from "../../../lib/confirm-dialog.tsx";

/** The delete button and its dialog; `onDeleted` runs after the API confirmed. */
export function DeleteFunction({ name, onDeleted }: { name: string; onDeleted: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState("");
  const remove = useDeleteFunction(name);
  const inputId = useId();
  const confirm = () =>
    remove.mutate(undefined, {
      onSuccess: () => {
        dialog.current?.close();
        onDeleted();
      },
    });
  return (
    <>
      <button type="button" className="btn-danger" onClick={() => dialog.current?.showModal()}>
        <Trash2 aria-hidden size={16} /> Delete
      </button>
      <ConfirmDialog
        dialogRef={dialog}
        title={`Delete ${name}?`}
        confirmLabel="Delete function"
        confirmDisabled={typed !== name || remove.isPending}
        error={remove.isError ? remove.error : undefined}
        onConfirm={confirm}
        onClose={() => setTyped("")}
      >
        <p className="text-sm">
          Its replicas are drained and stopped, and its metrics are removed. This cannot be undone.
        </p>
        <div className="flex flex-col gap-1">
          <label htmlFor={inputId} className="label">
            Type <strong>{name}</strong> to confirm
          </label>
          <input
            id={inputId}
            className="input"
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            autoComplete="off"
          />
        </div>
      </ConfirmDialog>
    </>
  );
}
