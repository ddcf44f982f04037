/**
 * The registry part of the controller's configuration: the auth file and CA file are read at
 * startup (by parseConfig) so that a typo fails the start, not the first deploy.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { FieldIssue } from "@eventflow/protocol";

/** How the local driver pulls function images from registries. */
export interface RegistryConfig {
  /**
   * A docker/podman-style auth file (`auths`, `credHelpers`, `credsStore`), read on every pull
   * so `docker login` takes effect without a restart (`EVENTFLOW_REGISTRY_AUTH_FILE`, default
   * `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, as the CLI uses).
   */
  readonly authFile: string;
  /** Set explicitly: the file must exist (the default may be missing: anonymous pulls). */
  readonly authFileRequired: boolean;
  /** PEM certificate(s) trusted besides the system roots (`EVENTFLOW_REGISTRY_CA_FILE`). */
  readonly ca?: string;
}

/** Problems of an auth file, checked at startup so a typo is not found at the first deploy. */
function authFileIssues(path: string, required: boolean): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !required) return undefined;
    return `cannot be read: ${path} (${code ?? "error"})`;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return `is not valid JSON: ${path}`;
  }
  const file = parsed as { auths?: unknown; credHelpers?: unknown; credsStore?: unknown };
  const isRecord = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isRecord(parsed)) return `must hold a JSON object: ${path}`;
  if (
    file.auths !== undefined &&
    (!isRecord(file.auths) || !Object.values(file.auths as object).every(isRecord))
  )
    return `"auths" must map registries to objects: ${path}`;
  if (
    file.credHelpers !== undefined &&
    (!isRecord(file.credHelpers) ||
      !Object.values(file.credHelpers as object).every((v) => typeof v === "string" && v !== ""))
  )
    return `"credHelpers" must map registries to helper names: ${path}`;
  if (file.credsStore !== undefined && typeof file.credsStore !== "string")
    return `"credsStore" must be a helper name: ${path}`;
  return undefined;
}

function caFileIssue(path: string): { ca?: string; issue?: string } {
  try {
    const ca = readFileSync(path, "utf8");
    return ca.includes("-----BEGIN CERTIFICATE-----")
      ? { ca }
      : { issue: `holds no PEM certificate: ${path}` };
  } catch (error) {
    return {
      issue: `cannot be read: ${path} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    };
  }
}

/**
 * Reads and checks the registry files (plain path strings, so this also runs when other
 * variables failed the schema: every problem in one report).
 */
export function parseRegistryConfig(
  e: Readonly<Record<string, string | undefined>>,
  issues: FieldIssue[],
): RegistryConfig {
  const explicit = e.EVENTFLOW_REGISTRY_AUTH_FILE?.trim() || undefined;
  const dockerDir = e.DOCKER_CONFIG ?? join(e.HOME ?? homedir(), ".docker");
  const authFile = explicit ?? join(dockerDir, "config.json");
  const authFileRequired = explicit !== undefined;
  const authIssue = authFileIssues(authFile, authFileRequired);
  if (authIssue) issues.push({ path: "EVENTFLOW_REGISTRY_AUTH_FILE", message: authIssue });
  let ca: string | undefined;
  const caFile = e.EVENTFLOW_REGISTRY_CA_FILE?.trim() || undefined;
  if (caFile !== undefined) {
    const checked = caFileIssue(caFile);
    if (checked.issue) issues.push({ path: "EVENTFLOW_REGISTRY_CA_FILE", message: checked.issue });
    ca = checked.ca;
  }
  return { authFile, authFileRequired, ...(ca === undefined ? {} : { ca }) };
}
