/**
 * The Function custom resource definition (`functions.eventflow.dev`): a function declared as a
 * Kubernetes object. Its `spec` schema is the function spec's own (generated from the one zod
 * schema the API validates with, CEL rules included), so the API server refuses what the API
 * refuses; `status` is what the reconciler writes. `npm run gen:crd` writes it into deploy/.
 */
import {
  buildFunctionSpecJsonSchema,
  DEFAULT_FUNCTION_SPEC_LIMITS,
  type FunctionSpecLimits,
  type JsonSchema,
} from "@eventflow/protocol/function-spec";
import { FUNCTION_NAME_PATTERN, MAX_FUNCTION_NAME_LENGTH } from "@eventflow/protocol";
import { LABEL } from "./labels.js";

/** Group, version and names of the Function resource. */
export const FUNCTION_RESOURCE = Object.freeze({
  group: "eventflow.dev",
  version: "v1alpha1",
  kind: "Function",
  plural: "functions",
  singular: "function",
  shortNames: Object.freeze(["fn"]),
});

const string = { type: "string" } as const;
const integer = (description: string) => ({ type: "integer", minimum: 0, description }) as const;

/** A condition as metav1.Condition has it (`Ready`, `ImagePulled`, ...). */
const condition: JsonSchema = {
  type: "object",
  required: ["type", "status"],
  properties: {
    type: { type: "string", maxLength: 316 },
    status: { type: "string", enum: ["True", "False", "Unknown"] },
    reason: { type: "string", maxLength: 1024 },
    message: { type: "string", maxLength: 32768 },
    lastTransitionTime: { type: "string", format: "date-time" },
    observedGeneration: { type: "integer", minimum: 0 },
  },
};

/** What the reconciler reports: `status` of a Function. */
export const FUNCTION_STATUS_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    observedGeneration: integer("The generation of the spec this status describes."),
    replicas: integer("Replicas that exist (the scale subresource's status.replicas)."),
    readyReplicas: integer("Replicas ready to take requests."),
    availableReplicas: integer("Replicas available for at least minReadySeconds."),
    updatedReplicas: integer("Replicas running the current spec."),
    phase: {
      type: "string",
      description: "Summary of the conditions, as the API's function status reports it.",
    },
    conditions: {
      type: "array",
      items: condition,
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
    },
    lastError: {
      type: "object",
      description: "The last failure, with its stable error code.",
      properties: { code: string, message: string, at: { type: "string", format: "date-time" } },
    },
    url: { type: "string", description: "The function's HTTP endpoint (/fn/TENANT/NAME)." },
    selector: {
      type: "string",
      description: "Label selector of the replicas (the scale subresource's selector).",
    },
  },
};

/**
 * The CustomResourceDefinition of Function for a controller's limits (the shipped one uses the
 * defaults). Names follow function names: a DNS-1123 label of at most 40 characters.
 */
export function buildFunctionCrd(limits: FunctionSpecLimits = DEFAULT_FUNCTION_SPEC_LIMITS) {
  const { group, version, kind, plural, singular, shortNames } = FUNCTION_RESOURCE;
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${plural}.${group}`,
      labels: { [LABEL.partOf]: "eventflow" },
    },
    spec: {
      group,
      scope: "Namespaced",
      names: { kind, listKind: `${kind}List`, plural, singular, shortNames: [...shortNames] },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              description: "A function: an image run as replicas behind the controller.",
              required: ["spec"],
              properties: {
                apiVersion: string,
                kind: string,
                metadata: { type: "object" },
                spec: buildFunctionSpecJsonSchema(limits),
                status: FUNCTION_STATUS_SCHEMA,
              },
              "x-kubernetes-validations": [
                {
                  rule:
                    `self.metadata.name.size() <= ${MAX_FUNCTION_NAME_LENGTH} && ` +
                    `self.metadata.name.matches('${FUNCTION_NAME_PATTERN.source}')`,
                  message: `metadata.name must be a DNS-1123 label of at most ${MAX_FUNCTION_NAME_LENGTH} characters`,
                },
              ],
            },
          },
          subresources: {
            status: {},
            scale: {
              specReplicasPath: ".spec.replicas",
              statusReplicasPath: ".status.replicas",
              labelSelectorPath: ".status.selector",
            },
          },
          additionalPrinterColumns: [
            { name: "Image", type: "string", jsonPath: ".spec.image" },
            { name: "Ready", type: "integer", jsonPath: ".status.readyReplicas" },
            { name: "Status", type: "string", jsonPath: ".status.phase" },
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
        },
      ],
    },
  };
}
