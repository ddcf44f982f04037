import { EventFlowError, type FieldIssue } from "@eventflow/protocol";

/** What the CLI takes from its environment; parsed once in bin.ts and passed down. */
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
}

/** Parses the CLI's environment; every problem is reported in one CONFIG_INVALID. */
export function parseCliEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  stderrIsTty = false,
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
  });
}
