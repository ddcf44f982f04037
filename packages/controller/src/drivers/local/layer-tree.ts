import { EventFlowError } from "@eventflow/protocol";

/** What a path of the extraction tree is, as far as the extraction itself has made it. */
type Node =
  { readonly kind: "dir" } | { readonly kind: "file" } | { kind: "symlink"; target: string };

/** Symlinks followed while resolving one path before it counts as a loop (Linux's MAXSYMLINKS). */
const MAX_LINK_HOPS = 40;
/** Longest path component and whole path accepted (Linux's NAME_MAX and PATH_MAX). */
const MAX_COMPONENT_BYTES = 255;
const MAX_PATH_BYTES = 4096;

function unsafe(message: string): EventFlowError {
  return new EventFlowError("FUNCTION_IMAGE_UNSAFE", message);
}

function components(path: string): string[] {
  return path.split("/").filter((c) => c !== "" && c !== ".");
}

/**
 * The tree a layer extraction has written so far, kept in memory so every path is resolved
 * inside the extraction root the way the kernel would resolve it on disk, without ever asking
 * the disk to follow a link (the containerd/`os.Root` rule: resolve in user space, clamp to the
 * root, write only to paths whose every parent is a real directory). The tree is fresh per
 * extraction and only this writer writes into it, so the model and the disk agree.
 *
 * Paths are relative to the root, `/`-separated. A path that would climb above the root through
 * `..` or a link is refused with FUNCTION_IMAGE_UNSAFE, as is a path that ends up outside
 * `scope` (the one top-level directory the extraction keeps, `app`).
 */
export class LayerTree {
  readonly #nodes = new Map<string, Node>([["", { kind: "dir" }]]);

  constructor(private readonly scope: string) {}

  /**
   * Resolves `path` to the real location an entry of that name is written to: every parent
   * component is followed through links made earlier; the last one is not (a tar entry replaces
   * a link of its own name, it never writes through it). Returns the resolved components.
   */
  resolveEntry(path: string): string[] {
    checkLengths(path);
    const parts = components(path);
    const last = parts.pop();
    if (last === undefined || last === "..")
      throw unsafe(`entry ${JSON.stringify(path)} names no file`);
    const parent = this.#resolve(parts, path);
    const resolved = [...parent, last];
    this.#checkScope(resolved, path);
    return resolved;
  }

  /** What the tree holds at the resolved `parts`, or undefined. */
  get(parts: readonly string[]): Node["kind"] | undefined {
    return this.#nodes.get(parts.join("/"))?.kind;
  }

  /** Records that `parts` (resolved) is now a directory, a file or a link to `target`. */
  set(parts: readonly string[], node: Node): void {
    const key = parts.join("/");
    // Replacing a directory drops everything recorded below it (the writer removes it on disk).
    if (this.#nodes.get(key)?.kind === "dir" && node.kind !== "dir") {
      for (const k of [...this.#nodes.keys()]) if (k.startsWith(`${key}/`)) this.#nodes.delete(k);
    }
    this.#nodes.set(key, node);
    for (let i = 1; i < parts.length; i++)
      this.#nodes.set(parts.slice(0, i).join("/"), { kind: "dir" });
  }

  /**
   * Checks every link in the finished tree: each must resolve, through all the links it meets,
   * to a place inside the scope (dangling is fine; nothing will be written through it any more,
   * but the app and the controller read through these links later).
   */
  checkLinks(): void {
    for (const [key, node] of this.#nodes) {
      if (node.kind !== "symlink") continue;
      const base = components(key).slice(0, -1);
      const target = node.target.startsWith("/")
        ? components(node.target)
        : [...base, ...components(node.target)];
      const resolved = this.#resolve(target, key, true);
      this.#checkScope(resolved, `${key} -> ${node.target}`);
    }
  }

  #checkScope(resolved: readonly string[], what: string): void {
    if (resolved[0] !== this.scope) {
      throw unsafe(
        `${JSON.stringify(what)} resolves outside ${this.scope}/ (to /${resolved.join("/")})`,
      );
    }
  }

  /** Walks `parts` from the root following every link met; `followLast` also follows the last. */
  #resolve(parts: readonly string[], what: string, followLast = true): string[] {
    const pending = [...parts];
    const done: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.shift() as string;
      if (part === "..") {
        if (done.length === 0) throw unsafe(`${JSON.stringify(what)} climbs above the image root`);
        done.pop();
        continue;
      }
      const here = [...done, part];
      const node = this.#nodes.get(here.join("/"));
      const isLast = pending.length === 0;
      if (node?.kind === "symlink" && (!isLast || followLast)) {
        if (++hops > MAX_LINK_HOPS) throw unsafe(`${JSON.stringify(what)} meets too many links`);
        if (node.target.startsWith("/")) done.length = 0;
        pending.unshift(...components(node.target));
        continue;
      }
      if (node?.kind === "file" && !isLast) {
        throw unsafe(`${JSON.stringify(what)} uses the file /${here.join("/")} as a directory`);
      }
      done.push(part);
    }
    return done;
  }
}

function checkLengths(path: string): void {
  if (path.includes("\0")) throw unsafe("an entry name contains a NUL byte");
  if (Buffer.byteLength(path) > MAX_PATH_BYTES)
    throw unsafe("an entry name is longer than 4096 bytes");
  for (const c of components(path)) {
    if (Buffer.byteLength(c) > MAX_COMPONENT_BYTES) {
      throw unsafe(
        `a component of ${JSON.stringify(path.slice(0, 80))}... is longer than 255 bytes`,
      );
    }
  }
}
