/** `eventflow completion bash|zsh|fish`: completion scripts built from the command tree (pure). */
import { EventFlowError } from "@eventflow/protocol";

/** What completion knows about one command. */
export interface CompletionCommand {
  readonly name: string;
  readonly description: string;
  readonly options: readonly string[];
  /** Subcommands (`context use`, `token create`). */
  readonly subcommands: readonly string[];
  /** Whether its first argument is a function name (completed from `eventflow list -o name`). */
  readonly takesFunction: boolean;
}

/** Shells with a completion script. */
export const SHELLS = ["bash", "zsh", "fish"] as const;

const FUNCTIONS = "eventflow list -o name 2>/dev/null";
/** Context names, for `--context` and `context use|delete` (kubectl completes them too). */
const CONTEXTS = "eventflow context list -o name 2>/dev/null";
/** Secret names, for `secret describe|update|delete NAME`. */
const SECRETS = "eventflow secret list -o name 2>/dev/null";

function bash(commands: readonly CompletionCommand[]): string {
  const names = commands.map((c) => c.name).join(" ");
  const withFunctions = commands.filter((c) => c.takesFunction).map((c) => c.name);
  const cases = commands
    .map((c) => `    ${c.name}) opts="${[...c.subcommands, ...c.options].join(" ")}" ;;`)
    .join("\n");
  return `# eventflow bash completion: source <(eventflow completion bash)
_eventflow() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" opts=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${names} help" -- "$cur") )
    return
  fi
  if [ "\${COMP_WORDS[COMP_CWORD-1]}" = --context ] || { [ "$COMP_CWORD" -eq 3 ] &&
      [[ "\${COMP_WORDS[1]}" == context* ]] && [[ "\${COMP_WORDS[2]}" =~ ^(use|delete)$ ]]; }; then
    COMPREPLY=( $(compgen -W "$(${CONTEXTS})" -- "$cur") )
    return
  fi
  if [ "$COMP_CWORD" -eq 3 ] && [[ "\${COMP_WORDS[1]}" == secret* ]] &&
      [[ "\${COMP_WORDS[2]}" =~ ^(describe|update|delete|rm)$ ]] && [[ "$cur" != -* ]]; then
    COMPREPLY=( $(compgen -W "$(${SECRETS})" -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
  esac
  case "\${COMP_WORDS[1]}" in
    ${withFunctions.join("|") || "__none__"})
      if [ "$COMP_CWORD" -eq 2 ] && [[ "$cur" != -* ]]; then
        COMPREPLY=( $(compgen -W "$(${FUNCTIONS})" -- "$cur") )
        return
      fi ;;
  esac
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
complete -o default -F _eventflow eventflow
`;
}

function zsh(commands: readonly CompletionCommand[]): string {
  const described = commands
    .map((c) => `    '${c.name}:${c.description.replace(/'/g, "")}'`)
    .join("\n");
  const withFunctions = commands.filter((c) => c.takesFunction).map((c) => c.name);
  const cases = commands
    .map((c) => `      ${c.name}) compadd -- ${[...c.subcommands, ...c.options].join(" ")} ;;`)
    .join("\n");
  return `#compdef eventflow
# eventflow zsh completion: eventflow completion zsh > "\${fpath[1]}/_eventflow"
_eventflow() {
  local -a commands
  commands=(
${described}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  if [[ "\${words[CURRENT-1]}" == --context ]] ||
      { (( CURRENT == 4 )) && [[ "\${words[2]}" == context* && "\${words[3]}" == (use|delete) ]]; }; then
    compadd -- \${(f)"$(${CONTEXTS})"}; return
  fi
  if (( CURRENT == 4 )) && [[ "\${words[2]}" == secret* && "\${words[3]}" == (describe|update|delete|rm) && "\${words[CURRENT]}" != -* ]]; then
    compadd -- \${(f)"$(${SECRETS})"}; return
  fi
  if (( CURRENT == 3 )) && [[ "\${words[CURRENT]}" != -* ]]; then
    case "\${words[2]}" in
      ${withFunctions.join("|") || "__none__"}) compadd -- \${(f)"$(${FUNCTIONS})"}; return ;;
    esac
  fi
  case "\${words[2]}" in
${cases}
  esac
}
compdef _eventflow eventflow
`;
}

function fish(commands: readonly CompletionCommand[]): string {
  const lines = [
    "# eventflow fish completion: eventflow completion fish | source",
    "complete -c eventflow -f",
  ];
  for (const c of commands) {
    lines.push(
      `complete -c eventflow -n __fish_use_subcommand -a ${c.name} -d '${c.description.replace(/'/g, "")}'`,
    );
    for (const sub of c.subcommands)
      lines.push(`complete -c eventflow -n '__fish_seen_subcommand_from ${c.name}' -a ${sub}`);
    for (const o of c.options.filter((o) => o.startsWith("--")))
      lines.push(
        `complete -c eventflow -n '__fish_seen_subcommand_from ${c.name}' -l ${o.slice(2)}`,
      );
    if (c.options.includes("--context"))
      lines.push(
        `complete -c eventflow -n '__fish_seen_subcommand_from ${c.name}' -l context -x -a '(${CONTEXTS})'`,
      );
    if (c.name === "context")
      lines.push(
        `complete -c eventflow -n '__fish_seen_subcommand_from context contexts; and __fish_seen_subcommand_from use delete' -a '(${CONTEXTS})'`,
      );
    if (c.name === "secret")
      lines.push(
        `complete -c eventflow -n '__fish_seen_subcommand_from secret secrets; and __fish_seen_subcommand_from describe update delete rm' -a '(${SECRETS})'`,
      );
    if (c.takesFunction)
      lines.push(
        `complete -c eventflow -n '__fish_seen_subcommand_from ${c.name}' -a '(${FUNCTIONS})'`,
      );
  }
  return `${lines.join("\n")}\n`;
}

/** The completion script for `shell`. */
export function buildCompletionScript(
  shell: string,
  commands: readonly CompletionCommand[],
): string {
  if (shell === "bash") return bash(commands);
  if (shell === "zsh") return zsh(commands);
  if (shell === "fish") return fish(commands);
  throw new EventFlowError(
    "CLI_USAGE",
    `completion takes ${SHELLS.join(", ")}, got ${JSON.stringify(shell)}`,
  );
}
