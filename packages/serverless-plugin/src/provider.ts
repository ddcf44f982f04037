/**
 * The `eventflow` provider for the Serverless Framework: registers itself and its config
 * schema (built from the function-spec schema, so the framework reports bad keys in its own
 * words), and implements the lifecycle hooks of deploy, invoke, logs, info, remove, metrics
 * and package.
 */
import { isEventFlowError } from "@eventflow/protocol";
import {
  FunctionStatusError,
  invokeLocal,
  invokeRemote,
  packageService,
  removeService,
  showInfo,
} from "./commands.js";
import { readPluginEnvironment } from "./config.js";
import { frameworkMessage } from "./issues.js";
import { buildProviderDefinition } from "./config-schema.js";
import { deployFunctions, formatEndpoints } from "./deploy.js";
import { showLogs } from "./logs.js";
import { showMetrics } from "./metrics.js";
import {
  toFrameworkIo,
  type FrameworkIo,
  type FrameworkOptions,
  type Serverless,
} from "./framework.js";
import { openSession, type Session } from "./session.js";

/** The provider's name in serverless.yml (`provider.name`). */
export const PROVIDER_NAME = "eventflow";

type Hook = () => Promise<void>;

/** The provider plugin class the framework instantiates. */
export class EventFlowProvider {
  /** The framework asks a provider plugin for its name. */
  static getProviderName(): string {
    return PROVIDER_NAME;
  }

  readonly provider = this;
  readonly hooks: Readonly<Record<string, Hook>>;
  /** Options this provider adds to the framework's commands. */
  readonly commands = {
    invoke: {
      options: {
        async: {
          usage: "Queue the invocation and print its id (EventFlow async invoke)",
          type: "boolean",
        },
      },
    },
  };
  readonly #serverless: Serverless;
  readonly #options: FrameworkOptions;
  readonly #io: FrameworkIo;
  readonly #abort = new AbortController();

  constructor(serverless: Serverless, options: FrameworkOptions, utils?: Partial<FrameworkIo>) {
    this.#serverless = serverless;
    this.#options = options;
    this.#io = toFrameworkIo(utils);
    serverless.setProvider(PROVIDER_NAME, this);
    serverless.configSchemaHandler.defineProvider(PROVIDER_NAME, buildProviderDefinition());
    const signal = this.#abort.signal;
    this.hooks = {
      // The framework's own packaging zips every function that has no `image`; an EventFlow
      // function always deploys as an image (built by the hooks below), so each is marked as one.
      "before:package:createDeploymentArtifacts": async () => {
        for (const fn of Object.values(serverless.service.functions ?? {}))
          if (typeof fn === "object" && fn !== null) (fn as { image?: object }).image ??= {};
      },
      // `deploy` runs the package lifecycle first; it builds the images itself, once.
      "package:createDeploymentArtifacts": this.#run(async (s) => {
        if (serverless.processedInput?.commands?.[0] === "package") await packageService(s, signal);
      }),
      "deploy:deploy": this.#run(async (s) => {
        const deployed = await deployFunctions(s, undefined, signal);
        this.#io.writeText(formatEndpoints(deployed));
      }),
      "deploy:function:deploy": this.#run(async (s) => {
        const deployed = await deployFunctions(s, [s.target().key], signal);
        this.#io.writeText(formatEndpoints(deployed));
      }),
      "invoke:invoke": this.#run(invokeRemote),
      "invoke:local:invoke": this.#run(invokeLocal),
      "logs:logs": this.#run((s) => showLogs(s, signal)),
      "info:info": this.#run(showInfo),
      "remove:remove": this.#run(removeService),
      "metrics:metrics": this.#run(showMetrics),
    };
  }

  /** A hook: the session opened after variables are resolved, errors in the framework's form. */
  #run(step: (session: Session) => Promise<void>): Hook {
    return async () => {
      try {
        const session = openSession(this.#serverless, this.#options, {
          env: readPluginEnvironment(),
          io: this.#io,
        });
        await step(session);
      } catch (error) {
        throw this.#toFrameworkError(error);
      }
    };
  }

  #toFrameworkError(error: unknown): unknown {
    const FrameworkError = this.#serverless.classes.Error;
    if (isEventFlowError(error)) {
      // The framework prints the message only: the stable code goes in it, as the CLI shows it.
      return new FrameworkError(frameworkMessage(error), `EVENTFLOW_${error.code}`);
    }
    if (error instanceof FunctionStatusError)
      return new FrameworkError(error.message, "EVENTFLOW_FUNCTION_ERROR_STATUS");
    return error;
  }
}
