import { EventFlowError, type FunctionStatus } from "@eventflow/protocol";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import {
  EMPTY_FORM,
  fromFunction,
  toFieldPath,
  keptFields,
  toRequest,
  type FunctionFormValues,
} from "../../src/features/functions/api/function-schema.ts";
import { FunctionForm } from "../../src/features/functions/components/function-form.tsx";

const SECRETS = [
  { name: "stripe", keys: ["api-key", "webhook"] },
  { name: "db", keys: ["DB_USER", "DB_PASSWORD"] },
];

function setup(
  onSubmit: (v: FunctionFormValues) => Promise<void> = async () => {},
  secrets: readonly { name: string; keys: string[] }[] | undefined = SECRETS,
) {
  const submit = vi.fn(onSubmit);
  render(<FunctionForm mode="create" initial={EMPTY_FORM} onSubmit={submit} secrets={secrets} />);
  return { submit, user: userEvent.setup() };
}

const field = (name: string) => screen.getByLabelText(name) as HTMLInputElement;
const invalid = (name: string) => field(name).getAttribute("aria-invalid");

async function fillBasics(user: ReturnType<typeof userEvent.setup>) {
  await user.type(field("Name"), "hook");
  await user.type(field("Image"), "oci:/tmp/hook");
}

describe("FunctionForm: endpoint and secrets", () => {
  it("warns that a public function is reachable by anyone, and sends auth, body limit and secrets", async () => {
    const { submit, user } = setup();
    await fillBasics(user);
    expect(screen.queryByTestId("public-warning")).toBeNull();
    await user.click(screen.getByRole("radio", { name: "Anyone (public)" }));
    expect(screen.getByTestId("public-warning").textContent).toMatch(/anyone .* can call it/i);
    await user.type(field("Body limit (bytes)"), "1048576");
    await user.click(screen.getByRole("button", { name: "Add secret" }));
    await user.selectOptions(field("Secret 1"), "stripe");
    await user.click(screen.getByRole("button", { name: "Add secret" }));
    await user.selectOptions(field("Secret 2"), "db");
    await user.selectOptions(field("Secret 2 mount"), "env");
    await user.type(field("Secret 2 keys"), "DB_USER, DB_PASSWORD");
    await user.click(screen.getByRole("button", { name: "Create function" }));
    await waitFor(() => expect(submit).toHaveBeenCalledTimes(1));
    expect(toRequest(submit.mock.calls[0]![0])).toEqual({
      name: "hook",
      image: "oci:/tmp/hook",
      replicas: 1,
      auth: "public",
      maxBodyBytes: 1048576,
      secrets: [
        { name: "stripe", mount: "files" },
        { name: "db", mount: "env", keys: ["DB_USER", "DB_PASSWORD"] },
      ],
    });
  });

  it("offers only the tenant's secrets", async () => {
    const { user } = setup();
    await user.click(screen.getByRole("button", { name: "Add secret" }));
    const names = [...field("Secret 1").querySelectorAll("option")].map((o) => o.value);
    expect(names).toEqual(["", "db", "stripe"]);
    expect(screen.queryByRole("link", { name: "create one" })).toBeNull();
  });

  it("names the keys of the chosen secret under its keys field", async () => {
    const { user } = setup();
    await user.click(screen.getByRole("button", { name: "Add secret" }));
    expect(screen.queryByText(/has: /)).toBeNull();
    await user.selectOptions(field("Secret 1"), "db");
    expect(screen.getByText(/db has: DB_USER, DB_PASSWORD\./)).toBeTruthy();
  });

  it("puts FUNCTION_SECRET_MISSING naming a key on that row's keys, with its code", async () => {
    const { user } = setup(async () => {
      throw new EventFlowError("FUNCTION_SECRET_MISSING", "secret stripe has no key nope", {
        status: 422,
        details: { secret: "stripe", key: "nope" },
      });
    });
    await fillBasics(user);
    await user.click(screen.getByRole("button", { name: "Add secret" }));
    await user.selectOptions(field("Secret 1"), "stripe");
    await user.type(field("Secret 1 keys"), "nope");
    await user.click(screen.getByRole("button", { name: "Create function" }));
    await waitFor(() => expect(invalid("Secret 1 keys")).toBe("true"));
    expect(invalid("Secret 1")).toBeNull();
    expect(screen.getByText(/no key nope \(FUNCTION_SECRET_MISSING\)/)).toBeTruthy();
  });

  it("says how to get a secret when the tenant has none", () => {
    setup(async () => {}, []);
    expect(screen.getByRole("link", { name: "create one" }).getAttribute("href")).toBe(
      "/secrets/new",
    );
  });

  it("refuses what the spec schema refuses: a body over the limit, env keys that are not variable names, a secret twice, no secret chosen", async () => {
    const { submit, user } = setup();
    await fillBasics(user);
    await user.type(field("Body limit (bytes)"), String(64 * 1024 * 1024 + 1));
    for (let i = 0; i < 3; i++)
      await user.click(screen.getByRole("button", { name: "Add secret" }));
    await user.selectOptions(field("Secret 1"), "db");
    await user.selectOptions(field("Secret 1 mount"), "env");
    await user.type(field("Secret 1 keys"), "api-key");
    await user.selectOptions(field("Secret 2"), "db");
    await user.click(screen.getByRole("button", { name: "Create function" }));
    await waitFor(() => expect(invalid("Body limit (bytes)")).toBe("true"));
    expect(invalid("Secret 1 keys")).toBe("true");
    expect(invalid("Secret 1")).toBeNull();
    expect(invalid("Secret 2")).toBe("true");
    expect(invalid("Secret 3")).toBe("true");
    expect(submit).not.toHaveBeenCalled();
  });

  it("puts the server's FUNCTION_SECRET_MISSING on the row of the secret it names", async () => {
    const { user } = setup(async () => {
      throw new EventFlowError("FUNCTION_SECRET_MISSING", "secret db does not exist", {
        status: 422,
        details: { secret: "db" },
      });
    });
    await fillBasics(user);
    await user.click(screen.getByRole("button", { name: "Add secret" }));
    await user.selectOptions(field("Secret 1"), "stripe");
    await user.click(screen.getByRole("button", { name: "Add secret" }));
    await user.selectOptions(field("Secret 2"), "db");
    await user.click(screen.getByRole("button", { name: "Create function" }));
    await waitFor(() => expect(invalid("Secret 2")).toBe("true"));
    expect(invalid("Secret 1")).toBeNull();
  });
});

describe("function form values and the spec", () => {
  const fn: FunctionStatus = {
    name: "hook",
    tenant: "default",
    image: "oci:/img",
    replicas: 1,
    available_replicas: 1,
    ready_replicas: 1,
    updated_replicas: 1,
    status: "Running",
    created_at: "2026-11-26T05:00:00.000Z",
    updated_at: "2026-11-26T05:00:00.000Z",
    url: "http://127.0.0.1:8080/fn/default/hook/",
    spec: {
      image: "oci:/img",
      replicas: 1,
      auth: "public",
      maxBodyBytes: 2048,
      cors: { allowOrigins: ["https://app.example.com"] },
      secrets: [{ name: "db", mount: "env", keys: ["DB_USER"] }],
    },
  };

  it("edits a function without losing what the form does not show (CORS)", () => {
    const values = fromFunction(fn);
    expect(values.secrets).toEqual([{ name: "db", mount: "env", keys: "DB_USER" }]);
    expect(toRequest(values, { cors: fn.spec.cors! })).toEqual({
      name: "hook",
      image: "oci:/img",
      replicas: 1,
      auth: "public",
      cors: { allowOrigins: ["https://app.example.com"] },
      maxBodyBytes: 2048,
      secrets: [{ name: "db", mount: "env", keys: ["DB_USER"] }],
    });
  });

  it("edits a function without losing its triggers and retry policy (not on the form)", () => {
    const triggers = [{ type: "schedule" as const, cron: "*/5 * * * *" }];
    const retry = { maxAttempts: 3, backoff: { initialMs: 100, maxMs: 1000, multiplier: 2 } };
    const withTriggers = { ...fn, spec: { ...fn.spec, triggers, retry } };
    const body = toRequest(fromFunction(withTriggers), keptFields(withTriggers.spec));
    expect(body).toMatchObject({ cors: fn.spec.cors, triggers, retry });
  });

  it.each([
    [
      "request-driven scaling and a limit",
      {
        scaling: {
          metric: "concurrency",
          target: 10,
          minReplicas: 0,
          maxReplicas: 10,
          scaleToZeroAfterSeconds: 90,
          scaleDownDelaySeconds: 5,
        },
        containerConcurrency: 4,
      },
      {
        scaling: {
          metric: "concurrency",
          target: 10,
          minReplicas: 0,
          maxReplicas: 10,
          scaleToZeroAfterSeconds: 90,
          scaleDownDelaySeconds: 5,
        },
        containerConcurrency: 4,
      },
    ],
    [
      "the earlier CPU field, read as metric cpu",
      { scaling: { minReplicas: 1, maxReplicas: 5, targetCPUUtilization: 70 } },
      { scaling: { metric: "cpu", target: 70, minReplicas: 1, maxReplicas: 5 } },
    ],
    [
      "the earlier memory field, read as metric memory",
      { scaling: { minReplicas: 2, maxReplicas: 3, targetMemoryUtilization: 60 } },
      { scaling: { metric: "memory", target: 60, minReplicas: 2, maxReplicas: 3 } },
    ],
  ])("edits %s and sends the same scaling back", (_name, spec, body) => {
    const values = fromFunction({ ...fn, spec: { ...fn.spec, ...spec } });
    expect(values.autoscale).toBe(true);
    expect(toRequest(values)).toMatchObject(body);
  });

  it.each([
    ["scaling.metric", "metric"],
    ["scaling.target", "target"],
    ["scaling.scaleToZeroAfterSeconds", "scaleToZeroAfterSeconds"],
    ["scaling.scaleDownDelaySeconds", "scaleDownDelaySeconds"],
    ["containerConcurrency", "containerConcurrency"],
    ["auth", "auth"],
    ["maxBodyBytes", "maxBodyBytes"],
    ["secrets", "secrets"],
    ["secrets.1.name", "secrets.1.name"],
    ["secrets.0.keys.2", "secrets.0.keys"],
    ["secrets.10.mount", "secrets.10.mount"],
    ["cors.allowOrigins.0", "root.server"],
  ])("an API error on %s lands on %s", (apiPath, formPath) => {
    expect(toFieldPath(apiPath, [])).toBe(formPath);
  });
});
