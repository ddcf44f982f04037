/** `/functions/new` and `/functions/:name/edit`: the form, then the function's page. */
import { useQuery } from "@tanstack/react-query";
import { functionQuery, limitsQuery } from "../features/functions/api/function-queries.ts";
import {
  EMPTY_FORM,
  fromFunction,
  keptFields,
  toRequest,
} from "../features/functions/api/function-schema.ts";
import { FunctionForm } from "../features/functions/components/function-form.tsx";
import { useSaveFunction } from "../features/functions/hooks/use-function-mutations.ts";
import { secretsListQuery } from "../features/secrets/api/secret-queries.ts";
import type { Client } from "../lib/api-client.ts";
import { Breadcrumbs } from "../lib/breadcrumbs.tsx";
import { useClient } from "../lib/client-context.tsx";
import { navigate } from "../lib/router.tsx";
import { errorText } from "../lib/server-errors.ts";

/**
 * The tenant's secrets (names and key names) for the form's secret rows; undefined while they
 * load or when they cannot be read (the rows then offer only the names already in the spec).
 */
function useSecretChoices(client: Client) {
  return useQuery(secretsListQuery(client)).data;
}

/** The create page. */
export function NewFunctionPage() {
  const client = useClient();
  const save = useSaveFunction(undefined);
  const limits = useQuery(limitsQuery(client)).data;
  const secrets = useSecretChoices(client);
  return (
    <>
      <Breadcrumbs trail={[{ label: "Functions", href: "/" }, { label: "Create" }]} />
      <h1 className="mb-4 text-2xl font-semibold">Create a function</h1>
      <FunctionForm
        mode="create"
        initial={EMPTY_FORM}
        limits={limits}
        secrets={secrets}
        onSubmit={async (values) => {
          const fn = await save.mutateAsync(toRequest(values));
          navigate(`/functions/${encodeURIComponent(fn.name)}`);
        }}
        onCancel={() => navigate("/")}
      />
    </>
  );
}

/** The edit page. */
export function EditFunctionPage({ name }: { name: string }) {
  const client = useClient();
  const fn = useQuery({ ...functionQuery(client, name), refetchInterval: false });
  const save = useSaveFunction(name);
  const limits = useQuery(limitsQuery(client)).data;
  const secrets = useSecretChoices(client);
  if (fn.isPending) return <p role="status">Loading {name}...</p>;
  if (fn.isError) return <p role="alert">{errorText(fn.error)}</p>;
  const spec = fn.data.spec;
  return (
    <>
      <Breadcrumbs
        trail={[
          { label: "Functions", href: "/" },
          { label: name, href: `/functions/${encodeURIComponent(name)}` },
          { label: "Edit" },
        ]}
      />
      <h1 className="mb-4 text-2xl font-semibold">Edit {name}</h1>
      <FunctionForm
        mode="edit"
        initial={fromFunction(fn.data)}
        limits={limits}
        secrets={secrets}
        onSubmit={async (values) => {
          await save.mutateAsync(
            // Fields this form does not edit go back as they are, or a save would drop them.
            toRequest(values, keptFields(spec)),
          );
          navigate(`/functions/${encodeURIComponent(name)}`);
        }}
        onCancel={() => navigate(`/functions/${encodeURIComponent(name)}`)}
      />
    </>
  );
}
