/**
 * Delete a secret after confirmation. A secret that functions use is refused by the API
 * (SECRET_IN_USE, naming them in `details.functions`); the dialog shows those names and offers
 * to delete anyway (`force`), saying that those functions then fail to start.
 */
import type { SecretInfo } from "@eventflow/protocol";
import { isEventFlowError } from "@eventflow/protocol";
import { errorText } from "../../../lib/server-errors.ts";
import { useState } from "react";
import { ConfirmDialog, useModalWhile } from "../../../lib/confirm-dialog.tsx";
import { useDeleteSecret } from "../hooks/use-secret-mutations.ts";

/** The functions a SECRET_IN_USE error names, or undefined for any other error. */
export function inUseBy(error: unknown): string[] | undefined {
  if (!isEventFlowError(error) || error.code !== "SECRET_IN_USE") return undefined;
  const functions = (error.details as { functions?: unknown } | undefined)?.functions;
  return Array.isArray(functions) ? functions.filter((f) => typeof f === "string") : [];
}

/** The dialog, open while `secret` is set; `onClose` runs when it closes (deleted or not). */
export function DeleteSecretDialog(props: { secret: SecretInfo | undefined; onClose: () => void }) {
  const { secret } = props;
  const dialog = useModalWhile(secret !== undefined);
  const [force, setForce] = useState(false);
  const remove = useDeleteSecret();

  const error = remove.error ?? undefined;
  const inUse = inUseBy(error);
  const users = inUse ?? (secret?.used_by.length ? secret.used_by : undefined);
  const close = () => {
    setForce(false);
    remove.reset();
    props.onClose();
  };

  return (
    <ConfirmDialog
      dialogRef={dialog}
      title={`Delete secret ${secret?.name ?? ""}?`}
      confirmLabel="Delete secret"
      confirmDisabled={remove.isPending || (users !== undefined && !force)}
      error={inUse === undefined ? error : undefined}
      onConfirm={() => secret && remove.mutate({ name: secret.name, force }, { onSuccess: close })}
      onClose={close}
    >
      <p className="text-sm">Its keys and values are removed. This cannot be undone.</p>
      {users && (
        <div
          role="alert"
          className="space-y-2 rounded-md bg-amber-100 p-3 text-sm text-amber-900 dark:bg-amber-900/40 dark:text-amber-100"
        >
          <p>
            Used by <strong data-testid="secret-used-by">{users.join(", ")}</strong>. Remove it from
            their specs first, or delete it anyway: those functions then fail to start until it
            exists again.
          </p>
          {inUse && (
            <p data-testid="secret-in-use-error">The controller refused: {errorText(error)}</p>
          )}
          <label className="flex items-center gap-2">
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} />
            Delete anyway
          </label>
        </div>
      )}
    </ConfirmDialog>
  );
}
