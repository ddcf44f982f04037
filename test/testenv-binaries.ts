// Where hack/testenv/build.sh caches the binaries it builds (kubectl, helm, nats-server, jaeger,
// the Gateway API's CRDs): `<cache>/bin/<name>-v<pinned version>/<name>`, the version read from
// hack/testenv/versions.env. One lookup for every tier that runs them.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("../", import.meta.url));

/** The pinned default of `name` in versions.env (`NAME=${NAME:-1.2.3}`). */
function pinned(name: string): string {
  const env = readFileSync(join(REPO, "hack/testenv/versions.env"), "utf8");
  const m = new RegExp(`^${name}=\\$\\{${name}:-([^}]+)\\}`, "m").exec(env);
  if (!m?.[1]) throw new Error(`${name} not pinned in versions.env`);
  return m[1];
}

/** Each cached binary, the versions.env variable pinning it, and the setup script building it. */
const PIN = {
  kubectl: ["K8S_VERSION", "65-helm.sh"],
  helm: ["HELM_VERSION", "65-helm.sh"],
  "gateway-api-crds": ["GATEWAY_API_VERSION", "65-helm.sh"],
  "nats-server": ["NATS_SERVER_VERSION", "36-nats.sh"],
  jaeger: ["JAEGER_VERSION", "37-jaeger.sh"],
} as const;

/** The cached binary; a clear error naming the setup script when it is missing. */
export function testenvBinary(name: keyof typeof PIN): string {
  const [variable, script] = PIN[name];
  const cache = process.env.EVENTFLOW_K8S_CACHE ?? join(homedir(), ".cache/eventflow/k8s-testenv");
  const path = join(cache, "bin", `${name}-v${pinned(variable)}`, name);
  if (!existsSync(path))
    throw new Error(`${path} missing: run scripts/setup/${script} (hack/testenv/build.sh ${name})`);
  return path;
}
