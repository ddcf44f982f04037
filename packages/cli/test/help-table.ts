// The flags of every `eventflow` command as its `--help` prints them, and the same as the
// Markdown table docs/cli.md carries (the test in unit/cli-docs.test.ts keeps the two equal).
import { PassThrough } from "node:stream";
import { runCli } from "../src/cli.js";

/** One flag of one command. */
export interface FlagRow {
  readonly command: string;
  readonly flags: string;
  readonly description: string;
}

async function help(args: readonly string[]): Promise<string> {
  const stdout = new PassThrough();
  let text = "";
  stdout.on("data", (c: Buffer) => (text += c.toString()));
  await runCli([...args, "--help"], {
    stdout,
    stderr: new PassThrough(),
    env: {},
    cwd: process.cwd(),
  });
  return text;
}

/** The lines of a help section (`Options:`, `Commands:`) as [term, description] pairs. */
function section(text: string, title: string): Array<[string, string]> {
  const lines = text.split("\n");
  const start = lines.indexOf(`${title}:`);
  if (start < 0) return [];
  const out: Array<[string, string]> = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("  ")) break;
    const entry = /^ {2}(\S.*?)(?: {2,}(\S.*))?$/.exec(line);
    // Commander indents a wrapped description under the previous one.
    if (/^ {3,}\S/.test(line) && out.length > 0) {
      const last = out[out.length - 1]!;
      last[1] = `${last[1]} ${line.trim()}`.trim();
    } else if (entry !== null) out.push([entry[1]!, entry[2] ?? ""]);
  }
  return out;
}

/** The program, its commands and subcommands, in the order `--help` lists them (not `help`). */
async function commandNames(): Promise<string[][]> {
  const names: string[][] = [[]];
  for (const [term] of section(await help([]), "Commands")) {
    const name = term.split(/[ |]/)[0]!;
    if (name === "help") continue;
    const sub = section(await help([name]), "Commands").filter(([t]) => !t.startsWith("help"));
    if (sub.length === 0) names.push([name]);
    for (const [subTerm] of sub) names.push([name, subTerm.split(/[ |]/)[0]!]);
  }
  return names;
}

/** Every flag of every command, `-h, --help` left out; commander's `(default: [])` too. */
export async function helpFlagRows(): Promise<FlagRow[]> {
  const rows: FlagRow[] = [];
  for (const path of await commandNames()) {
    for (const [flags, description] of section(await help(path), "Options")) {
      if (flags === "-h, --help") continue;
      rows.push({
        command: ["eventflow", ...path].join(" "),
        flags,
        description: description.replace(" (default: [])", ""),
      });
    }
  }
  return rows;
}

const cell = (text: string) => text.replaceAll("|", "\\|");

/** The rows as docs/cli.md's table. */
export function toMarkdownTable(rows: readonly FlagRow[]): string {
  return [
    "| command | flag | what it does |",
    "|---|---|---|",
    ...rows.map((r) => `| \`${r.command}\` | \`${cell(r.flags)}\` | ${cell(r.description)} |`),
  ].join("\n");
}
