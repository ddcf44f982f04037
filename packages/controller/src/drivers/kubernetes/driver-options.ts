/** The options of the Kubernetes driver and where its cluster credentials come from. */
import { KubeConfig } from "@kubernetes/client-node";
import type { DriverLogger } from "../driver.js";
import type { FunctionSpecLimits } from "@eventflow/protocol/function-spec";
import type { TenantPolicy } from "./build-tenant.js";
import type { FunctionReconcilerOptions } from "./reconcile/function-reconciler.js";

/** Options of {@link createKubernetesDriver}. */
export interface KubernetesDriverOptions {
  /** A kubeconfig path or a loaded KubeConfig; default: KUBECONFIG, then in-cluster. */
  readonly kubeconfig?: string | KubeConfig;
  /**
   * Single-tenant mode: every function lives in this namespace. When undefined, each tenant
   * gets its own namespace (`namespacePrefix + tenant`), created on first use.
   */
  readonly namespace?: string;
  /** Prefix of tenant namespaces (default `eventflow-`). */
  readonly namespacePrefix?: string;
  /** The controller's namespace; tenant NetworkPolicies admit ingress only from it. */
  readonly controllerNamespace?: string;
  readonly tenantPolicy?: Partial<Omit<TenantPolicy, "controllerNamespace">>;
  /** Secrets used to pull function images (they must exist in the function's namespace). */
  readonly imagePullSecrets?: readonly string[];
  /** Extra annotations on every function pod. */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /**
   * How the invoke router reaches replicas: `pod` (ready pod IPs from EndpointSlices, in
   * cluster) or `service` (the Service's DNS name; one endpoint, kube-proxy balances).
   */
  readonly endpointMode?: "pod" | "service";
  readonly logger?: DriverLogger;
  readonly clock?: () => Date;
  /**
   * The Lease the controller replicas elect the one that reconciles with (default: the Lease
   * `eventflow-controller` in `controllerNamespace`, client-go's durations, the host name plus
   * a random suffix as identity); `false` reconciles here without an election (one replica).
   */
  readonly leaderElection?:
    | false
    | {
        readonly namespace?: string;
        readonly name?: string;
        readonly identity?: string;
        readonly leaseDurationMs?: number;
        readonly renewDeadlineMs?: number;
        readonly retryPeriodMs?: number;
      };
  /** The function spec's limits (the API's): a Function beyond them is refused in its status. */
  readonly limits?: FunctionSpecLimits;
  /** Tuning of the Function reconciler (resync period, workers, queue backoff). */
  readonly reconciler?: Pick<FunctionReconcilerOptions, "resyncMs" | "workers" | "queue">;
}

/** A KubeConfig from a path, or KUBECONFIG then in-cluster when none is given. */
export function loadKubeConfig(source: string | KubeConfig | undefined): KubeConfig {
  if (source instanceof KubeConfig) return source;
  const kc = new KubeConfig();
  if (source) kc.loadFromFile(source);
  else kc.loadFromDefault();
  return kc;
}
