/**
 * Serves the dashboard's production build (packages/dashboard/dist) at `/`. It answers only
 * what the API left unanswered: GET or HEAD requests that no route matched, outside `/v1`.
 * A file of the build is sent as is; the app's own pages (DASHBOARD_PAGES) get index.html and
 * route in the browser. Every other miss stays the API's JSON 404, so a typo in an API path
 * never answers HTML. Hashed files under /assets are cached for a year; index.html
 * and the other files are revalidated on every load, so a new build is picked up at once.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Middleware } from "koa";
import type { ControllerState } from "./context.js";

/** Where the dashboard's build lands in this repository (same depth from src/ and dist/). */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(
  new URL("../../../dashboard/dist", import.meta.url),
);

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".map": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

/** Options of {@link createDashboardMiddleware}. */
export interface DashboardOptions {
  /** The build directory (holds index.html and assets/). */
  readonly root: string;
  /** Origins the page may also fetch from (the OIDC issuer's token endpoint). */
  readonly connectOrigins?: readonly string[];
}

/** The dashboard's pages: `/`, `/functions/new`, `/functions/{name}[/edit]`, `/auth/callback`. */
export const DASHBOARD_PAGES =
  /^\/(?:functions(?:\/[^/]+(?:\/edit)?)?\/?|secrets(?:\/new|\/[^/]+\/edit)?\/?|auth\/callback)?$/;

/** Whether a path belongs to the API, where a miss stays a JSON 404 even if a file matched. */
function isApiPath(path: string): boolean {
  return (
    path === "/v1" || path.startsWith("/v1/") || path === "/metrics" || path === "/openapi.json"
  );
}

/** The absolute file a URL path names inside `root`, or undefined when it escapes or is odd. */
export function resolveInside(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return undefined;
  const base = resolve(root);
  const file = resolve(join(base, decoded));
  return file === base || file.startsWith(base + sep) ? file : undefined;
}

async function fileAt(
  path: string | undefined,
): Promise<{ path: string; size: number; mtime: Date } | undefined> {
  if (path === undefined) return undefined;
  try {
    const s = await stat(path);
    return s.isFile() ? { path, size: s.size, mtime: s.mtime } : undefined;
  } catch {
    return undefined;
  }
}

/** The Koa middleware; mount it inside the error middleware, before the router. */
export function createDashboardMiddleware(options: DashboardOptions): Middleware<ControllerState> {
  const root = resolve(options.root);
  const csp = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src ${["'self'", ...(options.connectOrigins ?? [])].join(" ")}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join("; ");
  return async (ctx, next) => {
    await next();
    if (ctx.method !== "GET" && ctx.method !== "HEAD") return;
    if (ctx.status !== 404 || ctx.body != null || ctx.headerSent || ctx.respond === false) return;
    if (isApiPath(ctx.path)) return;
    const wanted = ctx.path === "/" ? "/index.html" : ctx.path;
    let file = await fileAt(resolveInside(root, wanted));
    let fallback = false;
    if (file === undefined && DASHBOARD_PAGES.test(ctx.path)) {
      file = await fileAt(join(root, "index.html"));
      fallback = true;
    }
    if (file === undefined) return;
    const immutable = !fallback && ctx.path.startsWith("/assets/");
    ctx.status = 200;
    ctx.set("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
    ctx.set("x-content-type-options", "nosniff");
    ctx.set("last-modified", file.mtime.toUTCString());
    ctx.set("etag", `W/"${file.size.toString(16)}-${file.mtime.getTime().toString(16)}"`);
    const type = TYPES[extname(file.path)] ?? "application/octet-stream";
    if (type.startsWith("text/html")) {
      ctx.set("content-security-policy", csp);
      ctx.set("referrer-policy", "no-referrer");
      ctx.set("x-frame-options", "DENY");
    }
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    // HEAD: Koa sends the headers only; an empty body keeps the file unopened.
    ctx.body = ctx.method === "HEAD" ? "" : createReadStream(file.path);
    ctx.type = type;
    ctx.length = file.size;
  };
}
