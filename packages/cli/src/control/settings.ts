/** What the control commands take from the environment; parsed once per run and passed down. */
import { join } from "node:path";

/** Environment of the control commands (login, deploy, invoke, logs, ...). */
export interface ControlEnvironment {
  /** The CLI config file: EVENTFLOW_CONFIG, else $XDG_CONFIG_HOME/eventflow/config.json, else ~/.config/eventflow/config.json. */
  readonly configPath: string;
  /** EVENTFLOW_URL: overrides the context's URL. */
  readonly url: string | undefined;
  /** EVENTFLOW_TOKEN: overrides the context's token. */
  readonly token: string | undefined;
  /** EVENTFLOW_CONTEXT: the context to use instead of the current one. */
  readonly context: string | undefined;
  /** Colours: only on a TTY, never with NO_COLOR or TERM=dumb; FORCE_COLOR forces them. */
  readonly color: boolean;
  /** Terminal width for tables (undefined: do not fit, e.g. when piped). */
  readonly columns: number | undefined;
}

/** Parses the control environment from `env` and the stdout's TTY facts. */
export function parseControlEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  stdout: { isTTY?: boolean; columns?: number },
): ControlEnvironment {
  const home = env.HOME ?? "/";
  const configDir =
    env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== ""
      ? env.XDG_CONFIG_HOME
      : join(home, ".config");
  const tty = stdout.isTTY === true;
  const force = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0";
  const noColor = (env.NO_COLOR !== undefined && env.NO_COLOR !== "") || env.TERM === "dumb";
  const columnsEnv = Number(env.COLUMNS);
  return Object.freeze({
    configPath: env.EVENTFLOW_CONFIG || join(configDir, "eventflow", "config.json"),
    url: env.EVENTFLOW_URL || undefined,
    token: env.EVENTFLOW_TOKEN || undefined,
    context: env.EVENTFLOW_CONTEXT || undefined,
    color: force || (tty && !noColor),
    columns: tty
      ? (stdout.columns ?? (columnsEnv > 0 ? columnsEnv : 80))
      : columnsEnv > 0
        ? columnsEnv
        : undefined,
  });
}
