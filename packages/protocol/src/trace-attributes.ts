/**
 * Span attribute names the controller and the runtime both write. The FaaS ones are still
 * incubating in the OpenTelemetry semantic conventions, whose authors ask users to copy such
 * names rather than import them; the eventflow.* ones are EventFlow's own.
 */
export const TRACE_ATTRIBUTES = {
  faasTrigger: "faas.trigger",
  faasInvocationId: "faas.invocation_id",
  faasColdstart: "faas.coldstart",
  faasName: "faas.name",
  faasInvokedName: "faas.invoked_name",
  tenant: "eventflow.tenant",
  /** The stable EventFlow error code of an answer the platform gave itself. */
  errorCode: "eventflow.error.code",
} as const;
