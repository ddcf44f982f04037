/**
 * The e2e tier's cluster: the test control plane (hack/testenv/up.sh) plus a real node
 * (hack/testenv/node-up.sh: kubelet, containerd + runc, bridge CNI), in a temporary state
 * directory. kwok's simulated node is removed so every pod lands on the real node. Component
 * logs stay in `<dir>/logs` after the run (printed on failure).
 */
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";

const execFileP = promisify(execFile);
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const TESTENV = join(REPO, "hack", "testenv");

/**
 * One real node per machine: every node takes the same bridge (efnode0), pod subnet and kubelet
 * cgroups, so a second one started beside it (another checkout's e2e run) breaks both, its
 * kubelet killing the other's pods. The lock is held by a child process that exits when this
 * process does (its stdin closes), so a crashed run never keeps it.
 */
const NODE_LOCK = join(tmpdir(), "eventflow-e2e-node.lock");
const NODE_LOCK_WAIT_SECONDS = 540;

async function lockNode(): Promise<() => void> {
  const holder = spawn(
    "flock",
    ["-w", String(NODE_LOCK_WAIT_SECONDS), NODE_LOCK, "sh", "-c", "echo locked; exec cat"],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once("data", () => resolve());
    holder.once("error", reject);
    holder.once("exit", (code) =>
      reject(
        new Error(
          `another e2e run kept the machine's node (${NODE_LOCK}) for ${NODE_LOCK_WAIT_SECONDS} s (flock exit ${code})`,
        ),
      ),
    );
  });
  return () => holder.stdin.end();
}

/** A running control plane with one real node. */
export interface NodeCluster {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly nodeName: string;
  /** The API server's port on 127.0.0.1. */
  readonly apiserverPort: number;
  /** A binary of the test cluster (`<dir>/bin/<name>`: kubectl and helm when built). */
  bin(name: string): string;
  /** The pods' subnet, e.g. `10.245.0.0/24`. */
  readonly podSubnet: string;
  /**
   * `host:port` where pods reach the API server (a forwarder on the bridge gateway; the
   * `kubernetes` Service's IP leads nowhere without kube-proxy).
   */
  readonly apiserverForPods: string;
  /** Lets the node's containerd pull from a plain-HTTP registry at `host` (`127.0.0.1:PORT`). */
  trustRegistry(host: string): Promise<void>;
  stop(): Promise<void>;
}

function run(script: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [join(TESTENV, script)], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}`)),
    );
  });
}

function readEnv(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/**
 * Starts the control plane and the node (binaries must be built: scripts/setup/60, 70);
 * `kubeProxy` also runs kube-proxy on the node, so Service IPs work from this host.
 */
export async function startNodeCluster(
  options: { kubeProxy?: boolean; functionCrd?: boolean } = {},
): Promise<NodeCluster> {
  const unlock = await lockNode();
  const dir = mkdtempSync(join(tmpdir(), "eventflow-e2e-"));
  const env = {
    EVENTFLOW_TESTENV_DIR: dir,
    EVENTFLOW_TESTENV_NO_BUILD: "1",
    EVENTFLOW_NODE_KUBE_PROXY: options.kubeProxy ? "1" : "0",
  };
  const stop = async () => {
    await run("node-down.sh", env).catch(() => undefined);
    await run("down.sh", env).catch(() => undefined);
    unlock();
    if (existsSync(dir) && process.env.EVENTFLOW_TESTENV_KEEP !== "1")
      for (const entry of readdirSync(dir))
        if (entry !== "logs") rmSync(join(dir, entry), { recursive: true, force: true });
  };
  try {
    await run("up.sh", env);
    await run("node-up.sh", env);
  } catch (error) {
    await stop();
    throw new Error(`test cluster or node did not start; logs in ${join(dir, "logs")}`, {
      cause: error,
    });
  }
  const node = readEnv(join(dir, "node", "env"));
  const control = readEnv(join(dir, "env"));
  const kubeconfig = join(dir, "kubeconfig");
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  // Only the real node may take pods.
  await core.deleteNode({ name: "kwok-node-0" });
  if (options.functionCrd !== false) {
    // What an install does before the controller starts (Helm installs it from its crds/).
    const kubectl = (...args: string[]) =>
      execFileP(join(dir, "bin", "kubectl"), ["--kubeconfig", kubeconfig, ...args]);
    await kubectl(
      "apply",
      "--server-side",
      "-f",
      join(REPO, "deploy/kustomize/base/crd-functions.yaml"),
    );
    await kubectl(
      "wait",
      "--for=condition=Established",
      "--timeout=60s",
      "crd/functions.eventflow.dev",
    );
  }
  return {
    dir,
    kubeconfig,
    kc,
    core,
    nodeName: node.NODE_NAME!,
    apiserverPort: Number(control.APISERVER_PORT),
    bin: (name) => join(dir, "bin", name),
    podSubnet: node.POD_SUBNET!,
    apiserverForPods: node.APISERVER_FOR_PODS!,
    async trustRegistry(host) {
      const hostDir = join(node.CERTS_D!, host);
      await mkdir(hostDir, { recursive: true });
      await writeFile(
        join(hostDir, "hosts.toml"),
        `server = "http://${host}"\n[host."http://${host}"]\n  capabilities = ["pull", "resolve"]\n`,
      );
    },
    stop,
  };
}
