/** Wires the control commands into the `eventflow` program (modules load on demand). */
import { InvalidArgumentError, Option, type Command } from "commander";
import type { CompletionCommand } from "./completion.js";
import type { CommandIo } from "../io.js";
import { OUTPUT_FORMATS, type OutputFormat } from "./render.js";

/** Runs a command with the run's IO (environment parsed once) and reports its error. */
export type Run = (work: (io: CommandIo) => Promise<void>, json: boolean) => Promise<void>;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * `-o, --output FORMAT` of a command that prints `formats` (all five unless it says otherwise);
 * a format it does not print is a usage error as the command line is parsed.
 */
export function outputOption(formats: readonly OutputFormat[] = OUTPUT_FORMATS): Option {
  const shown = formats.filter((f) => f !== "table");
  return new Option("-o, --output <format>", `output format: ${shown.join("|")}`).argParser(
    (value: string) => {
      if (!(formats as readonly string[]).includes(value))
        throw new InvalidArgumentError(`takes ${shown.join(", ")}`);
      return value;
    },
  );
}

/** Commands whose first argument is a function name. */
const FUNCTION_COMMANDS = new Set([
  "get",
  "describe",
  "invoke",
  "logs",
  "scale",
  "revisions",
  "rollback",
  "traffic",
  "events",
  "delete",
]);

/** Adds login, context, deploy, list, get, describe, invoke, logs, scale, revisions, rollback, traffic, events, delete, token, secret, dev and completion. */
export function registerControlCommands(program: Command, run: Run): void {
  const isJson = (flags: { output?: string }) => flags.output === "json";
  const connected = (cmd: Command) =>
    cmd
      .option("--context <name>", "use this context instead of the current one")
      .option("--url <url>", "controller URL (overrides the context)")
      .option("--token <token>", "bearer token (overrides the context)");
  const output = (cmd: Command, formats?: readonly OutputFormat[]) =>
    cmd.addOption(outputOption(formats));
  const watchable = (cmd: Command) =>
    cmd.option("-w, --watch", "after printing, keep watching and print each change (Ctrl-C ends)");
  const fns = () => import("./functions-commands.js");
  const login = () => import("./login-command.js");

  program
    .command("login")
    .description("save a controller URL and token as a context (checked against the controller)")
    .option("--url <url>", "controller URL, e.g. http://127.0.0.1:8080")
    .option("--token <token>", "bearer token")
    .option("--token-stdin", "read the token from standard input")
    .option("--dev", "get a dev token (controllers with EVENTFLOW_DEV_AUTH=true)")
    .option("--context <name>", "context name", "default")
    .option("--tenant <tenant>", "admins: the tenant to act in")
    .action((flags) => run(async (io) => (await login()).loginCommand(flags, io), false));

  const context = program
    .command("context")
    .alias("contexts")
    .description("list, switch and delete contexts");
  output(context.command("list").description("list contexts")).action((flags) =>
    run(async (io) => (await login()).contextListCommand(flags, io), isJson(flags)),
  );
  context
    .command("use")
    .argument("<name>")
    .description("make a context current")
    .action((name: string) =>
      run(async (io) => (await login()).contextUseCommand(name, io), false),
    );
  output(context.command("current"))
    .description("print the current context and its URL")
    .action((flags) =>
      run(async (io) => (await login()).contextCurrentCommand(flags, io), isJson(flags)),
    );
  context
    .command("delete")
    .argument("<name>")
    .description("delete a context")
    .action((name: string) =>
      run(async (io) => (await login()).contextDeleteCommand(name, io), false),
    );

  connected(
    output(program.command("deploy"))
      .description(
        "build, push and deploy the functions of eventflow.yaml that changed (by digest)",
      )
      .argument("[dir]", "project directory", ".")
      .option("--wait", "wait until every changed function is ready (shows rollout progress)")
      .option(
        "--registry <prefix>",
        "push images to PREFIX/NAME (default: image.repository, else a local OCI layout)",
      )
      .option("--base <ref>", "base image: registry reference, oci:DIR[:TAG] or scratch")
      .option("--function <name>", "deploy only this function")
      .option("--min <n>", "scaling: fewest replicas (0 scales to zero when idle)")
      .option("--max <n>", "scaling: most replicas")
      .option("--metric <metric>", "scaling: concurrency (default), rps, cpu or memory")
      .option("--target <x>", "scaling: per-replica target of --metric (100, 200 rps, 80 %)")
      .option("--concurrency <n>", "scaling: --metric concurrency --target N")
      .option(
        "--concurrency-limit <n>",
        "most requests one replica gets at once (containerConcurrency; 0: no limit)",
      )
      .option(
        "--scale-to-zero-after <duration>",
        "scaling: idle time before the last replica stops (60s, 5m; default 60s)",
      )
      .option(
        "--scale-down-delay <duration>",
        "scaling: how long a lower count must hold before replicas stop (default 0)",
      )
      .option("--timeout <duration>", "--wait gives up after this long (90s, 5m)", "120s")
      .option("--insecure", "allow plain HTTP and unverified TLS for non-loopback registries")
      .option("--ca <file>", "extra CA certificate (PEM) for registry TLS")
      .option("--username <name>", "registry user (with --password-stdin)")
      .option("--password-stdin", "read the registry password from standard input")
      .option("-q, --quiet", "no push progress on stderr"),
  ).action((dir: string, flags) =>
    run(
      async (io) => (await import("./deploy-command.js")).deployCommand(dir, flags, io),
      isJson(flags),
    ),
  );

  connected(watchable(output(program.command("list").alias("ls"))))
    .description("list your functions")
    .action((flags) => run(async (io) => (await fns()).listCommand(flags, io), isJson(flags)));
  connected(watchable(output(program.command("get"))))
    .description("show one function")
    .argument("<name>")
    .action((name: string, flags) =>
      run(async (io) => (await fns()).getCommand(name, flags, io), isJson(flags)),
    );
  connected(output(program.command("describe")))
    .description("show a function in detail: status, spec, last error, recent logs, invocations")
    .argument("<name>")
    .action((name: string, flags) =>
      run(async (io) => (await fns()).describeCommand(name, flags, io), isJson(flags)),
    );
  connected(output(program.command("invoke"), ["table", "json", "yaml"]))
    .description("invoke a function; status and time on stderr, the body on stdout")
    .argument("<name>")
    .option("-d, --data <data>", "request body: text, @FILE, or - for standard input")
    .option("--content-type <type>", "content type (default: JSON when the data parses as JSON)")
    .option("--query <key=value>", "query parameter for the function (repeatable)", collect, [])
    .option("-H, --header <name:value>", "request header (repeatable)", collect, [])
    .option(
      "-X, --method <method>",
      "HTTP method (default POST); other than POST goes to the function's URL",
    )
    .option("--path <path>", "path below the function's URL the function sees (e.g. /orders/42)")
    .option("--raw", "print only the body (for scripts)")
    .option("--tag <tag>", "send it to the revision of this traffic tag alone (X-EventFlow-Tag)")
    .option("--async", "queue it (Prefer: respond-async): prints the invocation id")
    .option("--wait", "with --async: wait for the end and print the result")
    .option("--idempotency-key <key>", "with --async: repeats with this key queue it once")
    .option("--callback-url <url>", "with --async: receives the result as a CloudEvent")
    .action((name: string, flags) =>
      run(
        async (io) => (await import("./invoke-command.js")).invokeCommand(name, flags, io),
        isJson(flags),
      ),
    );
  registerInvocationCommands(program, run, connected, output);
  connected(output(program.command("logs"), ["table", "wide", "json", "yaml"]))
    .description(
      "print a function's logs as `time replica level message key=value`; -f follows (resumes after disconnects)",
    )
    .argument("<name>")
    .option("-f, --follow", "keep streaming new lines")
    .option("--since <when>", "only lines since an RFC 3339 time or a duration back (10m, 2h)")
    .option("--tail <n>", "start with the last N lines")
    .option(
      "--level <level>",
      "only lines at this level or above: trace, debug, info, warn, error, fatal",
    )
    .option("--raw", "print each line as the function wrote it (the JSON line)")
    .action((name: string, flags) =>
      run(
        async (io) => (await import("./logs-command.js")).logsCommand(name, flags, io),
        isJson(flags),
      ),
    );
  connected(output(program.command("scale")))
    .description("set a function's replica count (0 scales to zero)")
    .argument("<name>")
    .argument("<replicas>", "replica count", (v: string) => {
      if (!/^[0-9]+$/.test(v)) throw new InvalidArgumentError("must be a whole number");
      return Number(v);
    })
    .option("--wait", "wait until the replicas are ready")
    .option("--timeout <duration>", "--wait gives up after this long", "120s")
    .action((name: string, replicas: number, flags) =>
      run(async (io) => (await fns()).scaleCommand(name, replicas, flags, io), isJson(flags)),
    );
  const revisions = () => import("./revisions-command.js");
  connected(output(program.command("revisions")))
    .description(
      "list a function's revisions, newest first: REVISION IMAGE CREATED BY CURRENT TRAFFIC",
    )
    .argument("<name>")
    .action((name: string, flags) =>
      run(async (io) => (await revisions()).revisionsCommand(name, flags, io), isJson(flags)),
    );
  connected(output(program.command("rollback"), ["table", "json", "yaml", "name"]))
    .description(
      "send all the traffic to an earlier revision at once (default: the one before the one serving most requests)",
    )
    .argument("<name>")
    .option("--to <revision>", "the revision to go back to: its number or name (hello-00003)")
    .action((name: string, flags) =>
      run(async (io) => (await revisions()).rollbackCommand(name, flags, io), isJson(flags)),
    );
  connected(output(program.command("traffic")))
    .description(
      "show a function's traffic (REVISION PERCENT TAG READY LATEST), or set it: 3=90 4=10, latest=10",
    )
    .argument("<name>")
    .argument(
      "[assignments...]",
      "REVISION=PERCENT, the revision a number, a name (hello-00004) or latest; they replace the whole split",
    )
    .option(
      "--tag <tag=revision>",
      "the tag reaches that revision alone (repeatable; alone, added to the current split)",
      collect,
      [],
    )
    .action((name: string, assignments: string[], flags) =>
      run(
        async (io) =>
          (await import("./traffic-command.js")).trafficCommand(name, assignments, flags, io),
        isJson(flags),
      ),
    );
  connected(output(program.command("events"), ["table", "wide", "json", "yaml"]))
    .description(
      "a function's recent events, newest first: deploys, scale changes, crashes with their exit code and reason",
    )
    .argument("<name>")
    .option("--limit <n>", "at most this many (1 to 100)")
    .action(async (name: string, flags) =>
      run(
        async (io) => (await import("./events-command.js")).eventsCommand(name, flags, io),
        isJson(flags),
      ),
    );
  connected(output(program.command("delete").alias("rm"), ["table", "json", "yaml", "name"]))
    .description("delete a function (its replicas drain first)")
    .argument("<name>")
    .action((name: string, flags) =>
      run(async (io) => (await fns()).deleteCommand(name, flags, io), isJson(flags)),
    );
  const token = program.command("token").description("scoped invoke tokens");
  connected(output(token.command("create"), ["table", "json", "yaml"]))
    .description("create a token that may only invoke NAME")
    .argument("<name>", "function name")
    .option("--ttl <duration>", "lifetime: 90s, 30m, 12h, 7d (default 1h)")
    .action((name: string, flags) =>
      run(async (io) => (await login()).tokenCreateCommand(name, flags, io), isJson(flags)),
    );
  registerSecretCommands(program, run, { connected, output, isJson });
  connected(output(program.command("version"), ["table", "json", "yaml"]))
    .description("print the client's version and the controller's (kubectl style)")
    .option("--client", "only the client's version (no controller needed)")
    .action((flags) =>
      run(
        async (io) => (await import("./version-command.js")).versionCommand(flags, io),
        isJson(flags),
      ),
    );
  program
    .command("dev")
    .description("run a function locally with the runtime; rebuilds and restarts on every change")
    .argument("[dir]", "project directory", ".")
    .option("--function <name>", "the function of eventflow.yaml to run (default: the first)")
    .option("--port <port>", "port to serve on", "8080")
    .action((dir: string, flags) =>
      run(async (io) => (await import("./dev-command.js")).devCommand(dir, flags, io), false),
    );
  program
    .command("completion")
    .description("print a shell completion script (bash, zsh, fish)")
    .argument("<shell>", "bash, zsh or fish")
    .action((shell: string) =>
      run(async (io) => {
        const { buildCompletionScript } = await import("./completion.js");
        io.stdout.write(buildCompletionScript(shell, describeCommands(program)));
      }, false),
    );
}

type Decorate = (cmd: Command, formats?: readonly OutputFormat[]) => Command;

/** `secret create|update|list|describe|delete`: values come from flags, files or stdin, never from output. */
function registerSecretCommands(
  program: Command,
  run: Run,
  opts: { connected: Decorate; output: Decorate; isJson: (flags: { output?: string }) => boolean },
): void {
  const { connected, output, isJson } = opts;
  const cmds = () => import("./secret-command.js");
  const secret = program
    .command("secret")
    .alias("secrets")
    .description("a tenant's secrets for functions (values are write-only: never printed)");
  const sources = (cmd: Command) =>
    cmd
      .argument("<name>", "secret name")
      .option(
        "--from-literal <key=value>",
        "a key and its value (repeatable); the value shows in `ps` to other users of this machine: KEY=- reads it from standard input instead",
        collect,
        [],
      )
      .option(
        "--from-file <[key=]path>",
        "a key whose value is the file's bytes; the key defaults to the file's name (repeatable)",
        collect,
        [],
      )
      .option(
        "--from-env-file <path>",
        "KEY=VALUE lines, one key each (# comments and blank lines skipped; repeatable)",
        collect,
        [],
      );
  for (const mode of ["create", "update"] as const)
    sources(connected(output(secret.command(mode), ["table", "json", "yaml", "name"])))
      .description(
        mode === "create"
          ? "create a secret from literals, files and env files (a key given twice is an error)"
          : "replace every key of a secret (the functions using it roll)",
      )
      .action((name: string, flags) =>
        run(async (io) => {
          const m = await cmds();
          const command = mode === "create" ? m.secretCreateCommand : m.secretUpdateCommand;
          await command(name, flags, io);
        }, isJson(flags)),
      );
  connected(output(secret.command("list").alias("ls")))
    .description("list secrets: NAME KEYS USED-BY UPDATED (never values)")
    .action((flags) =>
      run(async (io) => (await cmds()).secretListCommand(flags, io), isJson(flags)),
    );
  connected(output(secret.command("describe"), ["table", "json", "yaml", "name"]))
    .description("show a secret's keys, the functions using it, version and times (never values)")
    .argument("<name>", "secret name")
    .action((name: string, flags) =>
      run(async (io) => (await cmds()).secretDescribeCommand(name, flags, io), isJson(flags)),
    );
  connected(output(secret.command("delete").alias("rm"), ["table", "json", "yaml", "name"]))
    .description("delete a secret; refused while functions use it unless --force")
    .argument("<name>", "secret name")
    .option("--force", "delete even if functions use it (they fail to start until it exists again)")
    .action((name: string, flags) =>
      run(async (io) => (await cmds()).secretDeleteCommand(name, flags, io), isJson(flags)),
    );
}

/** `invocations get|list|dead|redrive|purge`: asynchronous invocations and dead letters. */
function registerInvocationCommands(
  program: Command,
  run: Run,
  connected: (cmd: Command) => Command,
  output: (cmd: Command, formats?: readonly OutputFormat[]) => Command,
): void {
  const isJson = (flags: { output?: string }) => flags.output === "json";
  const cmds = () => import("./invocations-command.js");
  const group = program
    .command("invocations")
    .alias("invocation")
    .description("asynchronous invocations and dead letters");
  connected(output(group.command("get")))
    .description("show an invocation: state, attempts, status, last error")
    .argument("<id>")
    .action((id: string, flags) =>
      run(async (io) => (await cmds()).invocationGetCommand(id, flags, io), isJson(flags)),
    );
  connected(output(group.command("list").alias("ls")))
    .description("a function's invocations, newest first")
    .argument("<name>", "function name")
    .option("--state <states>", "comma list: queued,running,succeeded,failed,dead")
    .option("--limit <n>", "at most this many (1..1000, default 100)")
    .action((name: string, flags) =>
      run(async (io) => (await cmds()).invocationListCommand(name, flags, io), isJson(flags)),
    );
  connected(output(group.command("dead")))
    .description("dead letters: invocations that ended failed or dead")
    .option("--function <name>", "only this function's")
    .option("--limit <n>", "at most this many (1..1000, default 100)")
    .action((flags) =>
      run(async (io) => (await cmds()).deadLettersCommand(flags, io), isJson(flags)),
    );
  for (const action of ["redrive", "purge"] as const) {
    connected(output(group.command(action), ["table", "json", "yaml", "name"]))
      .description(
        action === "redrive"
          ? "queue dead letters again, each with a fresh retry budget"
          : "forget dead letters",
      )
      .option("--id <id>", "an invocation id (repeatable)", collect, [])
      .option("--function <name>", "every dead letter of this function")
      .option("--all", "every dead letter of the tenant")
      .action((flags) =>
        run(async (io) => (await cmds()).deadLetterActionCommand(action, flags, io), isJson(flags)),
      );
  }
}

/** The command tree as completion sees it. */
export function describeCommands(program: Command): CompletionCommand[] {
  return program.commands.map((c) => ({
    name: c.name(),
    description: c.description(),
    // A group's subcommands' flags too (`secret create --from-file`), each once.
    options: [
      ...new Set(
        [c, ...c.commands].flatMap((cmd) =>
          cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined)),
        ),
      ),
    ],
    subcommands: c.commands.map((s) => s.name()),
    takesFunction: FUNCTION_COMMANDS.has(c.name()),
  }));
}
