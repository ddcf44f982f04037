import { isFunctionDefinition, type FunctionDefinition, type LifecycleContext } from "./define.js";
import type { CloudEvent } from "./cloudevent.js";
import type { Context, HttpEvent } from "./types.js";

/** A handler module reduced to what the runtime calls. */
export interface ResolvedFunction {
  readonly kind: "http" | "cloudevent";
  readonly handle: (event: HttpEvent, ctx: Context) => unknown;
  readonly cloudEvent: ((event: CloudEvent, ctx: Context) => unknown) | undefined;
  readonly init: ((ctx: LifecycleContext) => void | Promise<void>) | undefined;
  readonly shutdown: ((ctx: LifecycleContext) => void | Promise<void>) | undefined;
  readonly readiness: (() => boolean | Promise<boolean>) | undefined;
}

const NAMED = ["handle", "handler", "cloudEvent", "main"] as const;

function fromDefinition(def: FunctionDefinition): ResolvedFunction {
  const hooks = {
    init: def.init?.bind(def),
    shutdown: def.shutdown?.bind(def),
    readiness: def.readiness?.bind(def),
  };
  if (typeof def.cloudEvent === "function") {
    const cloudEvent = def.cloudEvent.bind(def) as (event: CloudEvent, ctx: Context) => unknown;
    return { kind: "cloudevent", handle: () => undefined, cloudEvent, ...hooks };
  }
  return {
    kind: "http",
    handle: (def.handle as ResolvedFunction["handle"]).bind(def),
    cloudEvent: undefined,
    ...hooks,
  };
}

function fromValue(value: unknown, exportName: string): ResolvedFunction | undefined {
  if (typeof value === "function") {
    const handle = value as ResolvedFunction["handle"];
    if (exportName === "cloudEvent") {
      return {
        kind: "cloudevent",
        handle: () => undefined,
        cloudEvent: value as ResolvedFunction["cloudEvent"],
        init: undefined,
        shutdown: undefined,
        readiness: undefined,
      };
    }
    return {
      kind: "http",
      handle,
      cloudEvent: undefined,
      init: undefined,
      shutdown: undefined,
      readiness: undefined,
    };
  }
  if (isFunctionDefinition(value)) return fromDefinition(value);
  return undefined;
}

/**
 * Finds the handler in a loaded module: the default export (a function or a `defineFunction`
 * object, also behind CommonJS `module.exports`), else a named export `handle`, `handler`,
 * `cloudEvent` or `main`. Throws a message that lists what the module does export.
 */
export function resolveFunction(
  moduleExports: unknown,
  source = "the handler module",
): ResolvedFunction {
  const mod = (moduleExports ?? {}) as Record<string, unknown>;
  const candidates: Array<[string, unknown]> = [["default", mod.default]];
  const inner = mod.default as Record<string, unknown> | undefined;
  if (typeof inner === "object" && inner !== null && !isFunctionDefinition(inner)) {
    candidates.push(["default", inner.default]);
    for (const name of NAMED) candidates.push([name, inner[name]]);
  }
  for (const [name, value] of candidates) {
    const resolved = fromValue(value, name);
    if (resolved !== undefined) return resolved;
  }
  // Named exports `handle`/`cloudEvent` with optional `init`, `shutdown`, `readiness`.
  if (isFunctionDefinition(mod)) return fromDefinition(mod as unknown as FunctionDefinition);
  for (const name of NAMED) {
    const resolved = fromValue(mod[name], name);
    if (resolved !== undefined) return resolved;
  }
  const names = Object.keys(mod);
  throw new Error(
    `${source} exports no handler: expected a default export (a function or defineFunction({...})) ` +
      `or a named export handle/handler/cloudEvent; found ${names.length === 0 ? "no exports" : `exports: ${names.join(", ")}`}`,
  );
}
