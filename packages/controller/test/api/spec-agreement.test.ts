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

const limits = { maxReplicas: 12, maxBodyBytes: 2 * 1024 * 1024 };
const image = "127.0.0.1:5000/hello:1.0.0";

interface Case {
  readonly name: string;
  readonly spec: Record<string, unknown>;
  /** The field refused (API path), or undefined when the spec is accepted. */
  readonly refused?: string;
  /** Text the refusal's message must contain (the limit it broke). */
  readonly mentions?: string;
  /**
   * A refusal the structural JSON Schema cannot express (a range inside a string, a rule across
   * fields, a map's key names, unknown fields the API server prunes): the CRD schema accepts it
   * and the controller's validation of the stored spec refuses it.
   */
  readonly notStructural?: true;
}

const cpu = (q: string) => ({ resources: { limits: { cpu: q } } });
const memory = (q: string) => ({ resources: { limits: { memory: q } } });
const CASES: readonly Case[] = [
  { name: "image only", spec: {} },
  { name: "cpu 500m", spec: cpu("500m") },
  { name: "cpu 1.5", spec: cpu("1.5") },
  { name: "cpu 2Pi", spec: cpu("2Pi"), refused: "resources.limits.cpu" },
  { name: "cpu 65 cores", spec: cpu("65"), refused: "resources.limits.cpu", notStructural: true },
  { name: "memory 128Mi", spec: memory("128Mi") },
  { name: "memory 1GB", spec: memory("1GB"), refused: "resources.limits.memory" },
  {
    name: "memory 1Mi",
    spec: memory("1Mi"),
    refused: "resources.limits.memory",
    mentions: "4Mi",
    notStructural: true,
  },
  {
    name: "cpu request above its limit",
    spec: { resources: { requests: { cpu: "2" }, limits: { cpu: "500m" } } },
    refused: "resources.requests.cpu",
    notStructural: true,
  },
  { name: "replicas at the limit", spec: { replicas: 12 } },
  { name: "body limit at the controller's", spec: { maxBodyBytes: 2 * 1024 * 1024 } },
  {
    name: "body limit above the controller's",
    spec: { maxBodyBytes: 2 * 1024 * 1024 + 1 },
    refused: "maxBodyBytes",
  },
  { name: "public endpoint", spec: { auth: "public" } },
  { name: "auth anonymous", spec: { auth: "anonymous" }, refused: "auth" },
  { name: "secret mounted as files", spec: { secrets: [{ name: "stripe", mount: "files" }] } },
  {
    name: "secret key not a variable name as env",
    spec: { secrets: [{ name: "stripe", mount: "env", keys: ["api-key"] }] },
    refused: "secrets.0.keys.0",
    notStructural: true,
  },
  {
    name: "cors credentials with any origin",
    spec: { cors: { allowOrigins: ["*"], allowCredentials: true } },
    refused: "cors.allowCredentials",
    notStructural: true,
  },
  { name: "replicas over the limit", spec: { replicas: 13 }, refused: "replicas", mentions: "12" },
  {
    name: "scaling at the limit",
    spec: { scaling: { minReplicas: 1, maxReplicas: 12, targetCPUUtilization: 70 } },
  },
  {
    name: "maxReplicas over the limit",
    spec: { scaling: { minReplicas: 1, maxReplicas: 13 } },
    refused: "scaling.maxReplicas",
    mentions: "12",
  },
  {
    name: "minReplicas above maxReplicas",
    spec: { scaling: { minReplicas: 3, maxReplicas: 2 } },
    refused: "scaling.minReplicas",
    notStructural: true,
  },
  {
    name: "CPU target over 100",
    spec: { scaling: { minReplicas: 1, maxReplicas: 2, targetCPUUtilization: 150 } },
    refused: "scaling.targetCPUUtilization",
    mentions: "100",
  },
  { name: "timeout 3600", spec: { timeoutSeconds: 3600 } },
  { name: "timeout 7200", spec: { timeoutSeconds: 7200 }, refused: "timeoutSeconds" },
  { name: "env", spec: { env: { GREETING: "hi" } } },
  {
    name: "env name with a digit first",
    spec: { env: { "1BAD": "x" } },
    refused: "env.1BAD",
    notStructural: true,
  },
  { name: "env value not text", spec: { env: { A: 1 } }, refused: "env.A" },
  {
    name: "image with upper case",
    spec: { image: "Registry.io/Hello:1" },
    refused: "image",
    notStructural: true,
  },
  { name: "empty image", spec: { image: "" }, refused: "image" },
  {
    name: "unknown nested field",
    spec: { resources: { limits: { gpu: "1" } } },
    refused: "resources.limits.gpu",
    notStructural: true,
  },
];

type Verdict = { accepted: true } | { accepted: false; paths: string[]; messages: string[] };

/** The CLI's file has no image reference, replicas, command or args (it builds the image). */
const CLI_FIELDS = new Set(["env", "resources", "scaling", "timeoutSeconds"]);

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
    async ({ name, fnName, spec: fields, refused, mentions, notStructural }) => {
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
        refused === undefined || notStructural === true,
      );
    },
  );

  it("the form held every case it can express", () => {
    // The form offers auth as a choice of the valid values and does not edit CORS (it keeps a
    // function's CORS as it is): those cases are the API's, the CLI's and the CRD schema's.
    expect(formSkipped).toEqual([
      "auth anonymous",
      "cors credentials with any origin",
      "unknown nested field",
    ]);
  });
});
