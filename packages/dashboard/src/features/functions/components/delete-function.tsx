/** Delete with confirmation: a modal dialog where the name must be typed. */
import { Trash2 } from "lucide-react";
import { useId, useRef, useState, type FormEvent } from "react";
import { useDeleteFunction } from "../hooks/use-function-mutations.ts";
import { errorText } from "../../../lib/server-errors.ts";

/** The delete button and its dialog; `onDeleted` runs after the API confirmed. */
export function DeleteFunction({ name, onDeleted }: { name: string; onDeleted: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState("");
  const remove = useDeleteFunction(name);
  const titleId = useId();
  const inputId = useId();
  const confirm = (event: FormEvent) => {
    event.preventDefault();
    remove.mutate(undefined, {
      onSuccess: () => {
        dialog.current?.close();
        onDeleted();
      },
    });
  };
  return (
    <>
      <button type="button" className="btn-danger" onClick={() => dialog.current?.showModal()}>
        <Trash2 aria-hidden size={16} /> Delete
      </button>
      <dialog
        ref={dialog}
        aria-labelledby={titleId}
        className="card m-auto max-w-md backdrop:bg-black/50"
        onClose={() => setTyped("")}
      >
        <form onSubmit={confirm} className="space-y-4">
          <h2 id={titleId} className="text-lg font-semibold">
            Delete {name}?
          </h2>
          <p className="text-sm">
            Its replicas are drained and stopped, and its metrics are removed. This cannot be
            undone.
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
          {remove.isError && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-300">
              {errorText(remove.error)}
            </p>
          )}
          <div className="flex justify-end gap-2">
            <button type="button" className="btn" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button
              type="submit"
              className="btn-danger"
              disabled={typed !== name || remove.isPending}
            >
              Delete function
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}
