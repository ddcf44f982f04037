/**
 * The dashboard's only way to the API: the SDK's programmatic client. Re-exported under the
 * names the features use, so they import one local module.
 */
export {
  createClient,
  type EventFlowClient as Client,
  type InvokeResult,
  type LogEntry as LogRecord,
} from "@eventflow/sdk/client";
