/**
 * One command's view of the service: the functions mapped from serverless.yml, the stage,
 * and a connection to the controller (provider.controller, else EVENTFLOW_URL, else the
 * current `eventflow login` context; the token from EVENTFLOW_TOKEN or that context).
 */
import { connect, type CliEnvironment, type Connection } from "@eventflow/cli";
import { EventFlowError } from "@eventflow/protocol";
import type { FrameworkIo, FrameworkOptions, Serverless } from "./framework.js";
import {
  buildServiceSpecs,
  type MappedFunction,
  type MappedService,
  type ServiceInput,
} from "./service-spec.js";

/** What the hooks work with. */
export interface Session {
  readonly serviceDir: string;
  readonly stage: string;
  /** Mapped with the default limits (before any controller is asked). */
  readonly mapped: MappedService;
  /** The resolved service, to map again with a controller's own limits. */
  readonly input: ServiceInput;
  readonly env: CliEnvironment;
  readonly io: FrameworkIo;
  readonly options: FrameworkOptions;
  /** Admins: the tenant of provider.tenant (else the token's, or the context's). */
  readonly tenant: string | undefined;
  connect(): Promise<Connection>;
  /** The function `-f` names (by its key in serverless.yml). */
  target(): MappedFunction;
}

/** Maps the service and prints its warnings (once per command). */
export function openSession(
  serverless: Serverless,
  options: FrameworkOptions,
  deps: { env: CliEnvironment; io: FrameworkIo },
): Session {
  const { service } = serverless;
  const stage =
    (typeof options.stage === "string" ? options.stage : undefined) ??
    service.provider.stage ??
    "dev";
  const input: ServiceInput = {
    service: service.service,
    stage,
    provider: service.provider,
    functions: service.functions ?? {},
    package: service.package,
  };
  const mapped = buildServiceSpecs(input);
  for (const warning of mapped.warnings) deps.io.log.warning(warning);
  let connection: Promise<Connection> | undefined;
  return {
    serviceDir: serverless.serviceDir,
    stage,
    mapped,
    input,
    env: deps.env,
    io: deps.io,
    options,
    get tenant() {
      return mapped.provider.tenant;
    },
    connect() {
      connection ??= connect(
        mapped.provider.controller === undefined ? {} : { url: mapped.provider.controller },
        deps.env,
      );
      return connection;
    },
    target() {
      const key = options.function;
      const fn = mapped.functions.find((f) => f.key === key);
      if (typeof key !== "string" || fn === undefined)
        throw new EventFlowError(
          "CLI_USAGE",
          `no function ${JSON.stringify(key)} in serverless.yml (functions: ${mapped.functions.map((f) => f.key).join(", ")})`,
        );
      return fn;
    },
  };
}

/** The tenant to act in: provider.tenant, else the login context's. */
export function tenantOf(session: Session, connection: Connection): string | undefined {
  return session.tenant ?? connection.context.tenant;
}
