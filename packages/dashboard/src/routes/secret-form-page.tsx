/** `/secrets/new` and `/secrets/:name/edit`: the secret form, then the secrets list. */
import { useQuery } from "@tanstack/react-query";
import { secretQuery } from "../features/secrets/api/secret-queries.ts";
import {
  EMPTY_SECRET_FORM,
  fromSecret,
  toSecretValues,
  type SecretFormValues,
} from "../features/secrets/api/secret-schema.ts";
import { SecretForm } from "../features/secrets/components/secret-form.tsx";
import { useSaveSecret } from "../features/secrets/hooks/use-secret-mutations.ts";
import { useClient } from "../lib/client-context.tsx";
import { navigate } from "../lib/router.tsx";
import { errorText } from "../lib/server-errors.ts";

function useSubmit(existing: string | undefined) {
  const save = useSaveSecret(existing);
  return async (values: SecretFormValues) => {
    await save.mutateAsync({ name: values.name, values: await toSecretValues(values) });
    navigate("/secrets");
  };
}

/** The create page. */
export function NewSecretPage() {
  const submit = useSubmit(undefined);
  return (
    <>
      <h1 className="mb-4 text-2xl font-semibold">Create a secret</h1>
      <SecretForm
        mode="create"
        initial={EMPTY_SECRET_FORM}
        onSubmit={submit}
        onCancel={() => navigate("/secrets")}
      />
    </>
  );
}

/** The update page: key names of the secret, every value entered again. */
export function EditSecretPage({ name }: { name: string }) {
  const secret = useQuery(secretQuery(useClient(), name));
  const submit = useSubmit(name);
  if (secret.isPending) return <p role="status">Loading {name}...</p>;
  if (secret.isError) return <p role="alert">{errorText(secret.error)}</p>;
  return (
    <>
      <h1 className="mb-4 text-2xl font-semibold">Update secret {name}</h1>
      <SecretForm
        mode="edit"
        initial={fromSecret(secret.data)}
        onSubmit={submit}
        onCancel={() => navigate("/secrets")}
      />
    </>
  );
}
