import { relative, resolve } from "node:path";
import { isEventFlowError } from "@eventflow/protocol";
import { Command, CommanderError, Option } from "commander";
import { parseCliEnvironment } from "./config.js";
import { functionNameOf, hintFor } from "./control/hints.js";
import { visible } from "./control/render.js";
import { outputOption, registerControlCommands, type Run } from "./control/register.js";
import { DEFAULT_BASE, LOCAL_LAYOUT } from "./defaults.js";
import { toCommandIo, type CliIo } from "./io.js";
import { TEMPLATES } from "./init.js";
import { EVENTFLOW_VERSION } from "./version.js";

// Command modules load on demand: `--help` and `init` never pay for undici, zod or esbuild.
const commands = () => import("./commands.js");

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Exit codes, as docs/cli.md and docs/errors.md list them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

const USAGE_CODES = new Set([
  "CONFIG_INVALID",
  "CLI_USAGE",
  "REQUEST_VALIDATION_FAILED",
  "IMAGE_REFERENCE_INVALID",
  "BUILD_HANDLER_NOT_FOUND",
  "INIT_TARGET_EXISTS",
  "CLI_NOT_LOGGED_IN",
  "CLI_CONTEXT_NOT_FOUND",
]);

/** The exit code for an error: 2 for usage and configuration problems, 1 otherwise. */
export function exitCodeFor(error: unknown): number {
  return isEventFlowError(error) && USAGE_CODES.has(error.code) ? EXIT.usage : EXIT.failed;
}

/** `--json` (build and push had it before `-o`) is `-o json`; build's `-o` also takes destinations. */
function isJsonOutput(flags: { json?: boolean; output?: string | string[] }): boolean {
  return flags.json === true || [flags.output ?? []].flat().includes("json");
}

function createProgram(io: CliIo, run: Run): Command {
  const program = new Command("eventflow")
    .description("Build, push and run EventFlow functions.")
    .version(EVENTFLOW_VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Commander's usage errors (an unknown option, a format a command does not print) in
      // the form of every other error: a code and the next step.
      outputError: (message, write) =>
        write(
          `${message.trimEnd().replace(/^error: /, "error[CLI_USAGE]: ")}\n  next: ${hintFor("CLI_USAGE")}\n`,
        ),
    });
  program
    .command("init")
    .description("create a function project from a template")
    .argument("<name>", "function name (DNS label)")
    .addOption(
      new Option("--template <template>", "project template").choices(TEMPLATES).default("http"),
    )
    .option("--dir <dir>", "directory to create (default ./NAME)")
    .addOption(outputOption(["table", "json", "yaml", "name"]))
    .action((name: string, flags: { template: string; dir?: string; output?: string }) =>
      run(async () => {
        const dir = resolve(io.cwd, flags.dir ?? name);
        const { initProject, buildNextSteps } = await import("./init.js");
        const { parseOutputFormat, renderOutput } = await import("./control/render.js");
        const format = parseOutputFormat(flags.output);
        const files = await initProject({
          name,
          template: flags.template,
          dir,
          version: EVENTFLOW_VERSION,
        });
        io.stderr.write(files.map((f) => `  created ${f}\n`).join(""));
        const cdPath = relative(io.cwd, dir) || ".";
        io.stderr.write(buildNextSteps({ name, template: flags.template, cdPath }));
        const data = { name, dir, template: flags.template, files };
        io.stdout.write(
          await renderOutput(format, { data, names: [name], text: () => `${dir}\n` }),
        );
      }, flags.output === "json"),
    );
  program
    .command("build")
    .description("bundle the function(s) of DIR and build OCI images (no daemon)")
    .argument("[dir]", "project directory", ".")
    .option("-t, --tag <ref>", "image reference, e.g. 127.0.0.1:5000/hello:1")
    .option(
      "--base <ref>",
      `base image: a registry reference, oci:DIR[:TAG] or scratch (default ${DEFAULT_BASE})`,
    )
    .option("--push", "push to the registry of -t")
    .option(
      "-o, --output <format|dest>",
      "output format (wide, json, yaml, name), or where to write the image: oci:DIR[:TAG] or tar:FILE (repeatable)",
      collect,
      [],
    )
    .option("--function <name>", "build only this function of eventflow.yaml")
    .option(
      "--entry <file>",
      "bundle this plain Node program (relative to DIR) instead of a function handler",
    )
    .option(
      "--include <src:dest>",
      "add a file or directory to the image at an absolute path (repeatable)",
      collect,
      [],
    )
    .option("--insecure", "allow plain HTTP and unverified TLS for non-loopback registries")
    .option("--ca <file>", "extra CA certificate (PEM) for registry TLS")
    .option("--username <name>", "registry user (with --password-stdin)")
    .option("--password-stdin", "read the registry password from standard input")
    .option(
      "--platform <os/arch>",
      "build only this platform of a base index, or this platform for scratch (repeatable)",
      collect,
      [],
    )
    .option("--minify", "minify the bundle")
    .option("--source <url>", "record org.opencontainers.image.source")
    .option("--revision <rev>", "record org.opencontainers.image.revision")
    .option("--label <key=value>", "extra image label (repeatable)", collect, [])
    .option("--json", "print one JSON object per image on stdout (same as -o json)")
    .option("-q, --quiet", "no progress on stderr")
    .action((dir: string | undefined, flags: import("./commands.js").BuildFlags) =>
      run(async (io) => (await commands()).buildCommand(dir, flags, io), isJsonOutput(flags)),
    );
  program
    .command("push")
    .description("push an image built by `eventflow build` (from its OCI layout) to a registry")
    .argument("<ref>", "target image reference")
    .option("--from <source>", `OCI layout to read, oci:DIR[:TAG] (default oci:${LOCAL_LAYOUT})`)
    .option("--function <name>", "the function's image in the layout (its tag there)")
    .option("--insecure", "allow plain HTTP and unverified TLS for non-loopback registries")
    .option("--ca <file>", "extra CA certificate (PEM) for registry TLS")
    .option("--username <name>", "registry user (with --password-stdin)")
    .option("--password-stdin", "read the registry password from standard input")
    .addOption(outputOption())
    .option("--json", "print a JSON object on stdout (same as -o json)")
    .option("-q, --quiet", "no progress on stderr")
    .action((ref: string, flags: import("./commands.js").PushFlags) =>
      run(async (io) => (await commands()).pushCommand(ref, flags, io), isJsonOutput(flags)),
    );
  registerControlCommands(program, run);
  return program;
}

/**
 * Prints an error, its field details and the next step. `subject` is the function the command
 * was run on (its `<name>` argument): the hint names it when the error itself does not.
 */
function reportError(error: unknown, io: CliIo, json: boolean, subject?: string): void {
  const code = isEventFlowError(error) ? error.code : "INTERNAL";
  const message = error instanceof Error ? error.message : String(error);
  // A message may carry what a function wrote (a crash's error line): shown, never obeyed.
  io.stderr.write(`error[${code}]: ${visible(message, true)}\n`);
  const details = isEventFlowError(error) ? error.details : undefined;
  if (Array.isArray(details)) {
    for (const d of details as {
      path?: string;
      message?: string;
      file?: string;
      line?: number;
    }[]) {
      const where = d.path ?? (d.file ? `${d.file}:${d.line ?? 0}` : "");
      io.stderr.write(
        `  - ${where ? `${visible(where)}: ` : ""}${visible(d.message ?? JSON.stringify(d), true)}\n`,
      );
    }
  }
  const hint = hintFor(code, functionNameOf(details) ?? subject);
  if (hint !== undefined) io.stderr.write(`  next: ${hint}\n`);
  if (!isEventFlowError(error) && error instanceof Error && error.stack)
    io.stderr.write(`${error.stack}\n`);
  if (json)
    io.stdout.write(
      `${JSON.stringify({ error: { code, message, ...(details === undefined ? {} : { details }) } })}\n`,
    );
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  let subject: string | undefined;
  const run: Run = async (work, json) => {
    try {
      await work(toCommandIo(io, parseCliEnvironment(io.env, io.stderr.isTTY === true, io.stdout)));
    } catch (error) {
      reportError(error, io, json, subject);
      exitCode = exitCodeFor(error);
    }
  };
  try {
    const program = createProgram(io, run);
    // The function a command is about is its `<name>` argument (get, invoke, logs, scale...).
    program.hook("preAction", (_program, command) => {
      if (command.registeredArguments[0]?.name() !== "name") return;
      const first: unknown = command.processedArgs[0];
      if (typeof first === "string") subject = first;
    });
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" ||
        error.code === "commander.version" ||
        error.code === "commander.help"
        ? EXIT.ok
        : EXIT.usage;
    }
    throw error;
  }
  return exitCode;
}
