/**
 * The parts of the Serverless Framework's plugin API this plugin uses (osls, the framework's
 * v3 line): the `serverless` object, the CLI options and the logging utilities handed to a
 * plugin's constructor.
 */

/** `serverless.service`, after variables are resolved. */
export interface FrameworkService {
  readonly service: string;
  readonly provider: Record<string, unknown> & { readonly stage?: string };
  readonly functions: Record<string, unknown>;
  readonly package?: unknown;
}

/** The `serverless` object. */
export interface Serverless {
  readonly service: FrameworkService;
  readonly serviceDir: string;
  setProvider(name: string, provider: unknown): void;
  readonly configSchemaHandler: {
    defineProvider(name: string, definition: Record<string, unknown>): void;
  };
  readonly classes: { readonly Error: new (message: string, code?: string) => Error };
  /** The command line as the framework parsed it (`["deploy", "function"]`). */
  readonly processedInput?: { readonly commands?: readonly string[] };
}

/** CLI options of the running command (a `multiple` option, such as `--env`, is a list). */
export type FrameworkOptions = Readonly<
  Record<string, string | boolean | readonly string[] | undefined>
>;

/** The plugin's output: progress and warnings on stderr, results on stdout. */
export interface FrameworkIo {
  readonly log: {
    notice(text: string): void;
    warning(text: string): void;
  };
  writeText(text: string): void;
}

/** The utilities osls hands to the constructor, or console output for a framework without them. */
export function toFrameworkIo(utils: Partial<FrameworkIo> | undefined): FrameworkIo {
  return {
    log: {
      notice: (text) => (utils?.log?.notice ?? console.error)(text),
      warning: (text) => (utils?.log?.warning ?? console.error)(text),
    },
    writeText: (text) => (utils?.writeText ?? console.log)(text),
  };
}
