// Agreement (tier 3): the API, the CLI's eventflow.yaml, the dashboard's form and the Function
// CRD's JSON Schema accept and refuse the same function specs. All four are built from
// @eventflow/protocol/function-spec; this table fails when one of them gets rules of its own.
// The controller runs with a replica limit that is not the default, so a copied limit fails too.
import { isDeepStrictEqual } from "node:util";
import { isEventFlowError, type FunctionStatus } from "@eventflow/protocol";
import { buildFunctionSpecJsonSchema } from "@eventflow/protocol/function-spec";
import { Ajv } from "ajv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseProjectYaml } from "../../../cli/src/project-schema.js";
import {
  buildFunctionFormSchema,
  fromFunction,
  toRequest,
} from "../../../dashboard/src/features/functions/api/function-schema.ts";
import { createMemoryDriver } from "../support/memory-driver.js";
import { call, mintToken, startTestApp, type TestApp } from "../support/harness.js";
import { SPEC_CASES as CASES, SPEC_CASE_LIMITS as limits } from "./spec-cases.js";

const image = "127.0.0.1:5000/hello:1.0.0";

type Verdict = { accepted: true } | { accepted: false; paths: string[]; messages: string[] };

/** The CLI's file has no image reference, replicas, command or args (it builds the image). */
const CLI_FIELDS = new Set(["env", "resources", "scaling", "timeoutSeconds", "triggers", "retry"]);

function viaCli(fnName: string, spec: Record<string, unknown>): Verdict | undefined {
  if (!Object.keys(spec).every((key) => CLI_FIELDS.has(key))) return undefined;
  // JSON is YAML: the file holds exactly the case's values.
  const text = JSON.stringify({ functions: [{ name: fnName, ...spec }] });
  try {
    parseProjectYaml(text, "/project", limits);
    return { accepted: true };
  } catch (error) {
    if (!isEventFlowError(error) || error.code !== "CONFIG_INVALID") throw error;
    const details = error.details as { path: string; message: string }[];
    return {
      accepted: false,
      paths: details.map((d) => d.path.replace(/^functions\.0\./, "")),
      messages: details.map((d) => d.message),
    };
  }
}

const formValues = (fnName: string, spec: Record<string, unknown>) =>
  fromFunction({ name: fnName, spec: { replicas: 1, ...spec } } as FunctionStatus);

function viaDashboard(fnName: string, spec: Record<string, unknown>): Verdict {
  const result = buildFunctionFormSchema(limits).safeParse(formValues(fnName, spec));
  return result.success
    ? { accepted: true }
    : {
        accepted: false,
        paths: result.error.issues.map((i) => i.path.join(".")),
        messages: result.error.issues.map((i) => i.message),
      };
}

/** Whether the form holds the spec as it is (it has no field for unknown ones, or command). */
const formHolds = (fnName: string, spec: Record<string, unknown>) =>
  isDeepStrictEqual(toRequest(formValues(fnName, spec)), { name: fnName, replicas: 1, ...spec });

describe("one function spec: API, CLI, dashboard and CRD schema agree", () => {
  let app: TestApp;
  let token: string;
  const validate = new Ajv({ strict: false, allErrors: true }).compile(
    buildFunctionSpecJsonSchema(limits),
  );

  beforeAll(async () => {
    app = await startTestApp({
      driver: createMemoryDriver(),
      env: {
        EVENTFLOW_MAX_REPLICAS: String(limits.maxReplicas),
        EVENTFLOW_MAX_INVOKE_BODY_BYTES: String(limits.maxBodyBytes),
      },
    });
    token = await mintToken();
  });
  afterAll(() => app.close());
  const formSkipped: string[] = [];

  it("the controller tells clients its limits", async () => {
    const res = await call(app.url, "GET", "/v1/limits", { token });
    expect(res.body).toEqual(limits);
  });

  it.each(CASES.map((c, i) => ({ ...c, fnName: `case-${i}` })))(
    "$name",
    async ({ name, fnName, spec: fields, refused, mentions, crd }) => {
      const spec = { image, ...fields };
      const api = await call(app.url, "POST", "/v1/functions", {
        token,
        body: { name: fnName, ...spec },
      });
      const apiVerdict: Verdict =
        api.status === 201
          ? { accepted: true }
          : {
              accepted: false,
              paths: (api.body.error.details as { path: string }[]).map((d) => d.path),
              messages: (api.body.error.details as { message: string }[]).map((d) => d.message),
            };
      if (api.status !== 201) expect(api.body.error.code).toBe("REQUEST_VALIDATION_FAILED");
      expect(apiVerdict.accepted).toBe(refused === undefined);
      if (!apiVerdict.accepted) {
        expect(apiVerdict.paths).toContain(refused);
        if (mentions !== undefined) expect(apiVerdict.messages.join("; ")).toContain(mentions);
      }

      const cli = viaCli(fnName, fields);
      if (cli !== undefined) expect(cli).toEqual(apiVerdict);

      if (!formHolds(fnName, spec)) formSkipped.push(name);
      else {
        const form = viaDashboard(fnName, spec);
        expect(form.accepted).toBe(apiVerdict.accepted);
        if (!form.accepted && mentions !== undefined)
          expect(form.messages.join("; ")).toContain(mentions);
      }

      expect(validate(spec), JSON.stringify(validate.errors)).toBe(
        refused === undefined || crd !== undefined,
      );
    },
  );

  it("the form held every case it can express", () => {
    // The form offers auth as a choice of the valid values and does not edit CORS (it keeps a
    // function's CORS as it is): those cases are the API's, the CLI's and the CRD schema's.
    // It has no triggers or retry fields yet (a known gap of the dashboard, docs/async.md).
    // It writes the metric it shows (`concurrency` when a spec leaves it out, `cpu` with a
    // `target` for the earlier targetCPUUtilization: the same meaning, resolveScaling), so
    // scaling written without a metric is not held word for word.
    expect(formSkipped).toEqual([
      "auth anonymous",
      "cors credentials with any origin",
      "scaling at the limit",
      "maxReplicas over the limit",
      "minReplicas above maxReplicas",
      "CPU target over 100",
      "unknown nested field",
      "schedule of 6 fields with data",
      "cron of 4 fields",
      "schedule trigger with a subject",
      "11 triggers",
      "retry of 2 attempts",
      "retry of 101 attempts",
      "retry initialMs above maxMs",
    ]);
  });
});
