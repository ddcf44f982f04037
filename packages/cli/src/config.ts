import { join } from "node:path";
import { EventFlowError, type FieldIssue } from "@eventflow/protocol";

/** What the CLI takes from its environment; parsed once per run in cli.ts and passed down. */
export interface CliEnvironment {
  /** SOURCE_DATE_EPOCH in seconds: layer mtimes and the config's `created`; absent means 0 and no timestamps. */
  readonly sourceDateEpoch: number | undefined;
  /** EVENTFLOW_REGISTRY_USERNAME / _PASSWORD: credentials for every registry, before the docker config. */
  readonly registryCredentials:
    { readonly username: string; readonly password: string } | undefined;
  /** The environment handed to the docker-config credential lookup (DOCKER_CONFIG, PATH for helpers). */
  readonly dockerEnv: Readonly<Record<string, string | undefined>>;
  /** Whether stderr progress may redraw lines (a TTY and not CI). */
  readonly interactive: boolean;
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

/** The TTY facts of stdout that colours and table widths follow. */
export interface StdoutFacts {
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Parses the CLI's environment; every problem is reported in one CONFIG_INVALID. */
export function parseCliEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  stderrIsTty = false,
  stdout: StdoutFacts = {},
): CliEnvironment {
  const issues: FieldIssue[] = [];
  let sourceDateEpoch: number | undefined;
  const sde = env.SOURCE_DATE_EPOCH;
  if (sde !== undefined && sde !== "") {
    if (!/^[0-9]{1,12}$/.test(sde))
      issues.push({ path: "SOURCE_DATE_EPOCH", message: "must be whole seconds since 1970" });
    else sourceDateEpoch = Number(sde);
  }
  const username = env.EVENTFLOW_REGISTRY_USERNAME;
  const password = env.EVENTFLOW_REGISTRY_PASSWORD;
  if ((username === undefined) !== (password === undefined)) {
    issues.push({
      path: username === undefined ? "EVENTFLOW_REGISTRY_USERNAME" : "EVENTFLOW_REGISTRY_PASSWORD",
      message: "set both EVENTFLOW_REGISTRY_USERNAME and EVENTFLOW_REGISTRY_PASSWORD, or neither",
    });
  }
  if (issues.length > 0) {
    throw new EventFlowError(
      "CONFIG_INVALID",
      `invalid environment: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
      {
        details: issues,
      },
    );
  }
  return Object.freeze({
    sourceDateEpoch,
    registryCredentials:
      username !== undefined && password !== undefined ? { username, password } : undefined,
    dockerEnv: Object.freeze({ DOCKER_CONFIG: env.DOCKER_CONFIG, PATH: env.PATH, HOME: env.HOME }),
    interactive: stderrIsTty && env.CI !== "true" && env.TERM !== "dumb",
    ...parseControlSettings(env, stdout),
  });
}

function parseControlSettings(
  env: Readonly<Record<string, string | undefined>>,
  stdout: StdoutFacts,
) {
  const configDir =
    env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== ""
      ? env.XDG_CONFIG_HOME
      : join(env.HOME ?? "/", ".config");
  const tty = stdout.isTTY === true;
  const force = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0";
  const noColor = (env.NO_COLOR !== undefined && env.NO_COLOR !== "") || env.TERM === "dumb";
  const columnsEnv = Number(env.COLUMNS);
  return {
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
  };
}
