/**
 * The plugin's environment, read once here: the CLI's own settings (EVENTFLOW_URL,
 * EVENTFLOW_TOKEN, EVENTFLOW_CONTEXT, EVENTFLOW_CONFIG, registry credentials,
 * SOURCE_DATE_EPOCH), so that `eventflow login` and the plugin share one credential store.
 */
import { parseCliEnvironment, type CliEnvironment } from "@eventflow/cli";

/** The CLI environment of this process. */
export function readPluginEnvironment(
  env: Readonly<Record<string, string | undefined>> = process.env,
): CliEnvironment {
  return parseCliEnvironment(env, false, {});
}
