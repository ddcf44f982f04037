/**
 * Delete a secret after confirmation. A secret that functions use is refused by the API
 * (SECRET_IN_USE, naming them in `details.functions`); the dialog shows those names and offers
 * to delete anyway (`force`), saying that those functions then fail to start.
 */
import type { SecretInfo } from "@eventflow/protocol";
import { isEventFlowError } from "@eventflow/protocol";
import { errorText } from "../../../lib/server-errors.ts";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";

/** The functions a SECRET_IN_USE error names, or undefined for any other error. */
export function inUseBy(error: unknown): string[] | undefined {
  if (!isEventFlowError(error) || error.code !== "SECRET_IN_USE") return undefined;
  const functions = (error.details as { functions?: unknown } | undefined)?.functions;
  return Array.isArray(functions) ? functions.filter((f) => typeof f === "string") : [];
}

/** The dialog, open while `secret` is set; `onDelete` calls the API and may throw its error. */
export function DeleteSecretDialog(props: {
  secret: SecretInfo | undefined;
  onDelete: (name: string, force: boolean) => Promise<void>;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [force, setForce] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>();
  const { secret } = props;

  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    if (secret && !el.open) el.showModal();
    if (!secret && el.open) el.close();
  }, [secret]);

  const inUse = inUseBy(error);
  const users = inUse ?? (secret?.used_by.length ? secret.used_by : undefined);
  const confirm = async (event: FormEvent) => {
    event.preventDefault();
    if (!secret) return;
    setPending(true);
    setError(undefined);
    try {
      await props.onDelete(secret.name, force);
      props.onClose();
    } catch (e) {
      setError(e);
    } finally {
      setPending(false);
    }
  };
  const close = () => {
    setForce(false);
    setError(undefined);
    props.onClose();
  };

  return (
    <dialog
      ref={dialog}
      aria-labelledby={titleId}
      className="card m-auto max-w-md backdrop:bg-black/50"
      onClose={close}
    >
      {secret && (
        <form onSubmit={confirm} className="space-y-4">
          <h2 id={titleId} className="text-lg font-semibold">
            Delete secret {secret.name}?
          </h2>
          <p className="text-sm">Its keys and values are removed. This cannot be undone.</p>
          {users && (
            <div
              role="alert"
              className="space-y-2 rounded-md bg-amber-100 p-3 text-sm text-amber-900 dark:bg-amber-900/40 dark:text-amber-100"
            >
              <p>
                Used by <strong data-testid="secret-used-by">{users.join(", ")}</strong>. Remove it
                from their specs first, or delete it anyway: those functions then fail to start
                until it exists again.
              </p>
              {inUse && (
                <p data-testid="secret-in-use-error">The controller refused: {errorText(error)}</p>
              )}
              <label className="flex items-center gap-2">
                <input
                  type="checkbox"
                  checked={force}
                  onChange={(e) => setForce(e.target.checked)}
                />
                Delete anyway
              </label>
            </div>
          )}
          {error !== undefined && inUse === undefined && (
            <p role="alert" className="text-sm text-red-700 dark:text-red-300">
              {errorText(error)}
            </p>
          )}
          <div className="flex justify-end gap-2">
            <button type="button" className="btn" onClick={() => dialog.current?.close()}>
              Cancel
            </button>
            <button
              type="submit"
              className="btn-danger"
              disabled={pending || (users !== undefined && !force)}
            >
              Delete secret
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
