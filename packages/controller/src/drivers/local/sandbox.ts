import { spawnSync } from "node:child_process";
import { relative, sep } from "node:path";
import { EventFlowError } from "@eventflow/protocol";

/** How the local driver confines replicas: bubblewrap namespaces, or plain child processes. */
export type SandboxMode = "auto" | "bwrap" | "none";

/** Where a replica sees its app and its Node inside the sandbox. */
export const SANDBOX_APP_DIR = "/app";
export const SANDBOX_NODE = "/opt/eventflow/node";
/** Host directories a Node process needs (binaries, shared libraries, CA certificates, DNS). */
const SYSTEM_DIRS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc"];
/** File descriptor on which bwrap reports the sandboxed process's pid (`--info-fd`). */
export const SANDBOX_INFO_FD = 3;

/** The unprivileged user a tenant's replicas run as, when the controller runs as root. */
export interface ReplicaUser {
  readonly uid: number;
  readonly gid: number;
}

/** Inputs of {@link buildSandboxCommand}: host paths, as the driver knows them. */
export interface SandboxInput {
  readonly nodePath: string;
  /** The extracted app's directory (holds `app/`). */
  readonly appDir: string;
  /** Node's arguments; paths under `appDir` are rewritten to the sandbox's. */
  readonly args: readonly string[];
  /** Working directory, under `appDir`. */
  readonly cwd: string;
  /** Drop to this user inside (`setpriv`); absent when the controller is not root. */
  readonly user?: ReplicaUser;
  /** The replica's secret files, mounted read-only at {@link SANDBOX_SECRETS_DIR}. */
  readonly secretsDir?: string;
}

/** Where a sandboxed replica sees its secret files (as on Kubernetes). */
export const SANDBOX_SECRETS_DIR = "/var/eventflow/secrets";

function inSandbox(appDir: string, path: string): string {
  const rel = relative(appDir, path);
  if (rel === "") return SANDBOX_APP_DIR;
  if (rel.startsWith("..") || rel.startsWith(sep)) return path;
  return `${SANDBOX_APP_DIR}/${rel.split(sep).join("/")}`;
}

/**
 * The `bwrap` command line of one replica. New pid, ipc, uts and cgroup namespaces: the replica
 * sees no other process, the controller's `/proc/<pid>/environ` included. bwrap stays pid 1
 * inside (not `--as-pid-1`): the replica drops its user with setpriv, which clears the
 * parent-death signal, so only bwrap's init, dying with bwrap (`--die-with-parent`), takes it
 * down when bwrap is killed; and Node, not being pid 1, dies of a SIGTERM that comes before its
 * handler is installed, as a plain process does (the driver signals it directly). The only host
 * paths mounted are system directories, the app, the Node binary and the replica's own secret
 * files, read-only; `/tmp` is a
 * private tmpfs; the data directory (database, registry credentials, pid files, other tenants'
 * apps) does not exist inside. The network is shared: functions make outbound calls and the
 * controller reaches the replica on loopback. Inside, `setpriv` drops to the tenant's user and
 * sets no-new-privs before Node starts.
 */
export function buildSandboxCommand(input: SandboxInput): { command: string; args: string[] } {
  const args = [
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--die-with-parent",
    "--new-session",
    "--ro-bind",
    "/usr",
    "/usr",
    ...SYSTEM_DIRS.flatMap((dir) => ["--ro-bind-try", dir, dir]),
    "--ro-bind",
    input.appDir,
    SANDBOX_APP_DIR,
    "--ro-bind",
    input.nodePath,
    SANDBOX_NODE,
    // bwrap would make the mount point's parents 0700 root: the dropped user could not reach it.
    ...(input.secretsDir === undefined
      ? []
      : [
          ...["--perms", "0755", "--dir", "/var", "--perms", "0755", "--dir", "/var/eventflow"],
          ...["--ro-bind", input.secretsDir, SANDBOX_SECRETS_DIR],
        ]),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--perms",
    "1777",
    "--tmpfs",
    "/tmp",
    "--chdir",
    inSandbox(input.appDir, input.cwd),
    "--info-fd",
    String(SANDBOX_INFO_FD),
    "--",
    ...(input.user ? [SETPRIV, ...dropTo(input.user)] : []),
    SANDBOX_NODE,
    ...input.args.map((a) => inSandbox(input.appDir, a)),
  ];
  return { command: "bwrap", args };
}

/** Where `setpriv` (util-linux) is: the driver checks it at start when replicas drop to a user. */
export const SETPRIV = "/usr/bin/setpriv";

/** setpriv's arguments: this user and group only, and no way to gain privileges (no setuid). */
function dropTo(user: ReplicaUser): string[] {
  return [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", "--no-new-privs", "--"];
}

/**
 * How one replica is started: under bwrap ({@link buildSandboxCommand}); without a sandbox but
 * as its tenant's user (`setpriv`, which then becomes Node: same pid, signals reach it); or,
 * with neither, undefined: Node is spawned directly, as the controller's user.
 */
export function buildReplicaCommand(
  input: SandboxInput & { readonly sandbox: "bwrap" | "none" },
): { command: string; args: string[] } | undefined {
  if (input.sandbox === "bwrap") return buildSandboxCommand(input);
  if (!input.user) return undefined;
  return { command: SETPRIV, args: [...dropTo(input.user), input.nodePath, ...input.args] };
}

/** Whether bwrap can make the namespaces and mounts the sandbox needs on this machine. */
export function probeBwrap(): boolean {
  const r = spawnSync(
    "bwrap",
    [
      "--unshare-pid",
      "--die-with-parent",
      "--ro-bind",
      "/",
      "/",
      "--proc",
      "/proc",
      "--perms",
      "1777",
      "--tmpfs",
      "/tmp",
      "true",
    ],
    { stdio: "ignore", timeout: 10_000 },
  );
  return r.status === 0;
}

/** Picks the sandbox for `mode`: `bwrap` must work, `auto` takes it when it does. */
export function resolveSandbox(
  mode: SandboxMode,
  probe: () => boolean = probeBwrap,
): "bwrap" | "none" {
  if (mode === "none") return "none";
  if (probe()) return "bwrap";
  if (mode === "auto") return "none";
  throw new EventFlowError(
    "DRIVER_UNAVAILABLE",
    "EVENTFLOW_LOCAL_SANDBOX=bwrap, but bwrap cannot create its namespaces here (install Debian's bubblewrap; as a non-root user it needs unprivileged user namespaces)",
  );
}
