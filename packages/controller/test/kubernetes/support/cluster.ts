/**
 * The k8s tier's cluster: the one KUBECONFIG points at (any cluster: kind, k3s, a cloud), or
 * else a real control plane started from hack/testenv/up.sh in a temporary state directory
 * (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, metrics-server).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { KubeConfig } from "@kubernetes/client-node";
import { installFunctionCrd } from "./k8s.js";

const REPO = fileURLToPath(new URL("../../../../../", import.meta.url));
const TESTENV = join(REPO, "hack", "testenv");

/** A running cluster for the tests. */
export interface TestCluster {
  readonly kubeconfig: string;
  /** Whether metrics-server serves metrics.k8s.io (HPAs can react). */
  readonly metricsServer: boolean;
  /** Whether this run started the cluster (and `stop` stops it). */
  readonly owned: boolean;
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

function kubeConfigOf(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

/** Starts (or adopts) the cluster once per test run, with the Function CRD installed. */
export async function startTestCluster(): Promise<TestCluster> {
  const external = process.env.KUBECONFIG;
  if (external) {
    await installFunctionCrd(kubeConfigOf(external));
    return {
      kubeconfig: external,
      metricsServer: process.env.EVENTFLOW_TEST_METRICS_SERVER !== "0",
      owned: false,
      stop: async () => {},
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "eventflow-k8s-"));
  // A test run never starts the cold build (scripts/setup/60-k8s-testenv.sh does, once).
  const env = {
    EVENTFLOW_TESTENV_DIR: dir,
    EVENTFLOW_TESTENV_NO_BUILD: process.env.EVENTFLOW_TESTENV_BUILD === "1" ? "0" : "1",
  };
  try {
    await run("up.sh", env);
  } catch (error) {
    // Logs stay in the state directory for the failure report.
    throw new Error(`test cluster did not start; logs in ${join(dir, "logs")}`, { cause: error });
  }
  const envFile = readFileSync(join(dir, "env"), "utf8");
  // A run killed before its teardown (a timeout, Ctrl-C twice, an OOM) would leave the control
  // plane running, and a few of them exhaust the machine's inotify instances (128): a detached
  // reaper stops it once this process is gone.
  const reaper = spawn(
    "bash",
    [
      "-c",
      `while kill -0 ${process.pid} 2>/dev/null; do sleep 2; done; exec bash "$0"`,
      join(TESTENV, "down.sh"),
    ],
    { env: { ...process.env, ...env }, detached: true, stdio: "ignore" },
  );
  reaper.unref();
  await installFunctionCrd(kubeConfigOf(join(dir, "kubeconfig")));
  return {
    kubeconfig: join(dir, "kubeconfig"),
    metricsServer: /^METRICS_SERVER=1$/m.test(envFile),
    owned: true,
    async stop() {
      reaper.kill();
      await run("down.sh", env);
      // Everything but the component logs goes; the logs stay for a failure report.
      if (existsSync(dir) && process.env.EVENTFLOW_TESTENV_KEEP !== "1")
        for (const entry of readdirSync(dir))
          if (entry !== "logs") rmSync(join(dir, entry), { recursive: true, force: true });
    },
  };
}
