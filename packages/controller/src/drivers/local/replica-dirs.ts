import { randomBytes } from "node:crypto";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import { EventFlowError } from "@eventflow/protocol";
import type { ReplicaUser } from "./sandbox.js";

/** Under the data dir: the per-tenant directories replicas run in when they have a user. */
export const REPLICAS_DIR = "replicas";

/**
 * Makes the data directory the controller's alone: the directory itself 0700, or 0711 when
 * replicas run as other users without a sandbox (they must traverse it to `replicas/`, but
 * cannot list it); every other entry at its top (database and its WAL, pid files, backups, the
 * app cache, a registry auth file someone put there) 0600 for files and 0700 for directories.
 * Run at every start, so data dirs of earlier versions are fixed too. Links are left alone.
 */
export function secureDataDir(dataDir: string, options: { traversable: boolean }): void {
  chmodSync(dataDir, options.traversable ? 0o711 : 0o700);
  for (const dir of ["run", "backup", "cache"])
    mkdirSync(join(dataDir, dir), { recursive: true, mode: 0o700 });
  for (const name of readdirSync(dataDir)) {
    if (name === REPLICAS_DIR && options.traversable) continue;
    const path = join(dataDir, name);
    const st = lstatSync(path, { throwIfNoEntry: false });
    if (!st || st.isSymbolicLink()) continue;
    chmodSync(path, st.isDirectory() ? 0o700 : 0o600);
  }
}

/** A file's owner and mode bits, as `stat` gives them. */
export interface Access {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** Whether `user` may execute (a file) or traverse (a directory) what `st` describes. */
export function canExecute(st: Access, user: ReplicaUser): boolean {
  if (user.uid === 0) return true;
  if (st.uid === user.uid) return (st.mode & 0o100) !== 0;
  if (st.gid === user.gid) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}

/**
 * The first directory on the way to `path` (or `path` itself) that `user` cannot traverse or
 * execute, or undefined when it can reach it: a checkout under /root (0700) makes its Node
 * unusable for every replica user.
 */
export function firstUnreachable(path: string, user: ReplicaUser): string | undefined {
  const real = realpathSync(path);
  const chain: string[] = [];
  for (let p = real; ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  return chain.find((p) => !canExecute(statSync(p), user));
}

/** Fails the start (LOCAL_REPLICA_USER_UNUSABLE) when replica users cannot reach `path`. */
export function assertReachable(path: string, user: ReplicaUser, what: string): void {
  const blocked = firstUnreachable(path, user);
  if (blocked === undefined) return;
  throw new EventFlowError(
    "LOCAL_REPLICA_USER_UNUSABLE",
    `replicas run as per-tenant users (uid ${user.uid}...) because the controller runs as root, but they cannot reach ${what} ${path}: ${blocked} is not traversable by them. Use a Node and EVENTFLOW_DATA_DIR outside such a directory (or make it traversable, chmod o+x), or install bubblewrap (EVENTFLOW_LOCAL_SANDBOX=bwrap), which mounts them`,
    { details: { path, blocked } },
  );
}

/** Copies the tree at `from` to `to` with hard links (files share their inode and mode). */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { mode: 0o755 });
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    const dst = join(to, name);
    const st = lstatSync(src);
    if (st.isDirectory()) linkTree(src, dst);
    else if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else if (st.isFile()) {
      try {
        linkSync(src, dst);
      } catch {
        copyFileSync(src, dst);
        chmodSync(dst, st.mode & 0o755);
      }
    }
  }
}

/**
 * The directories of replicas that run as a tenant's user without a sandbox, under
 * `<dataDir>/replicas/<uid>/` (root:<gid> 0750, so other tenants cannot enter): `tmp/`, owned by
 * the user (0700), its TMPDIR and HOME; and `apps/<digest>/`, a hard-linked view of each cached
 * app it runs, since the cache itself (shared by tenants running the same image) is the
 * controller's alone.
 */
export function createReplicaDirs(dataDir: string) {
  const root = join(dataDir, REPLICAS_DIR);
  const ready = new Set<string>();

  function userDir(user: ReplicaUser): string {
    const dir = join(root, String(user.uid));
    if (ready.has(dir)) return dir;
    mkdirSync(root, { recursive: true, mode: 0o711 });
    chmodSync(root, 0o711);
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    chownSync(dir, 0, user.gid);
    chmodSync(dir, 0o750);
    const tmp = join(dir, "tmp");
    mkdirSync(tmp, { recursive: true, mode: 0o700 });
    chownSync(tmp, user.uid, user.gid);
    chmodSync(tmp, 0o700);
    ready.add(dir);
    return dir;
  }

  return {
    root,
    /**
     * Where `user`'s replicas get their secret files: `<uid>/secrets/` (root:<gid> 0750), each
     * replica in its own directory below, owned by the user.
     */
    secretsDir(user: ReplicaUser): string {
      const dir = join(userDir(user), "secrets");
      mkdirSync(dir, { recursive: true, mode: 0o750 });
      chownSync(dir, 0, user.gid);
      chmodSync(dir, 0o750);
      return dir;
    },
    /** Prepares `user`'s directories and the view of `appDir`; returns where the replica runs. */
    prepare(user: ReplicaUser, appDir: string): { appDir: string; tmpDir: string } {
      const dir = userDir(user);
      const view = join(dir, "apps", basename(appDir));
      if (!ready.has(view) && !existsSync(view)) {
        mkdirSync(join(dir, "apps"), { recursive: true, mode: 0o755 });
        const partial = `${view}.tmp-${randomBytes(4).toString("hex")}`;
        try {
          linkTree(appDir, partial);
          renameSync(partial, view);
        } catch (error) {
          rmSync(partial, { recursive: true, force: true });
          if (!existsSync(view)) throw error;
        }
      }
      ready.add(view);
      return { appDir: view, tmpDir: join(dir, "tmp") };
    },
  };
}

/** The replica directories helper type. */
export type ReplicaDirs = ReturnType<typeof createReplicaDirs>;
