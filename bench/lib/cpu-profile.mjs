// Summaries of V8 .cpuprofile files (`node --cpu-prof`): self and inclusive time per function.
import { readFileSync } from "node:fs";

/**
 * Maps a bundle's line numbers to the source module it came from, using the `// path` comments
 * esbuild writes before each module. Returns `(line0) => path | undefined`.
 */
export function bundleModuleMap(bundleFile) {
  const starts = [];
  readFileSync(bundleFile, "utf8")
    .split("\n")
    .forEach((line, i) => {
      const m = /^\/\/ ([^\s].*\.(?:[cm]?[jt]sx?|json))$/.exec(line);
      if (m) starts.push([i, m[1]]);
    });
  return (line0) => {
    let found;
    for (const [start, path] of starts) {
      if (start > line0) break;
      found = path;
    }
    return found;
  };
}

function shortUrl(url) {
  if (!url) return "";
  if (url.startsWith("node:")) return url;
  return url.replace(/^file:\/\//, "").replace(/^.*\/node_modules\//, "node_modules/");
}

/**
 * Self and inclusive milliseconds per function of one profile, `(idle)` excluded from the total.
 * `locate(url, line0)` may name the source module of a bundled frame.
 */
export function summarizeCpuProfile(profile, { locate = () => undefined } = {}) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const keyOf = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const module = locate(url, lineNumber);
    const where = module ?? `${shortUrl(url)}${url ? `:${lineNumber + 1}` : ""}`;
    return `${functionName || "(anonymous)"} ${where}`.trim();
  };
  const self = new Map();
  const total = new Map();
  let busyUs = 0;
  const walk = (node, onStack) => {
    const key = keyOf(node);
    const own = selfUs.get(node.id) ?? 0;
    let inclusive = own;
    const stack = new Set(onStack).add(key);
    for (const childId of node.children ?? []) inclusive += walk(byId.get(childId), stack);
    if (node.callFrame.functionName !== "(idle)" && node.callFrame.functionName !== "(root)") {
      self.set(key, (self.get(key) ?? 0) + own);
      // Count a function once per stack, so recursion does not inflate its inclusive time.
      if (!onStack.has(key)) total.set(key, (total.get(key) ?? 0) + inclusive);
      busyUs += own;
    }
    return inclusive;
  };
  walk(profile.nodes[0], new Set());
  const rows = (map) =>
    [...map.entries()]
      .map(([fn, us]) => ({ fn, ms: us / 1000, pct: busyUs ? (100 * us) / busyUs : 0 }))
      .sort((a, b) => b.ms - a.ms);
  return { busyMs: busyUs / 1000, self: rows(self), total: rows(total) };
}

const SOCKET_WRITES = /^(writev|writeUtf8String|writeLatin1String|writeAsciiString|writeBuffer)\b/;

/**
 * A coarse bucket for a summary row's `fn` key: GC, (program), socket writes (native, mostly the
 * syscall), node internals, the first two path segments of a bundled module (packages/runtime,
 * packages/sdk, examples/hello), other files, or other native code and builtins.
 */
export function categorize(fn) {
  if (fn.startsWith("(garbage collector)") || fn.startsWith("(program)")) return fn;
  if (SOCKET_WRITES.test(fn)) return "socket write (native + syscall)";
  if (/ node:/.test(fn)) return "node internals (JS)";
  const module = /\s((?:packages|examples)\/[^/]+)\//.exec(fn);
  if (module) return module[1];
  if (/\s(\/|node_modules\/)/.test(fn)) return "other JS files";
  return "other native / builtins";
}
