/** Status (with the reason when something is wrong), replicas and configuration of a function. */
import { describeAutoscaler, type FunctionStatus } from "@eventflow/protocol";
import { DetailRow } from "../../../lib/detail-row.tsx";
import { formatDateTime, formatRelative } from "../../../lib/format.ts";
import { formatBytes } from "../api/endpoint.ts";
import { resourceRows, scalingText } from "../api/spec-summary.ts";
import { PublicBadge } from "./public-badge.tsx";
import { StatusBadge } from "./status-badge.tsx";

/** The overview card. */
export function FunctionOverview({ fn }: { fn: FunctionStatus }) {
  const env = Object.entries(fn.spec.env ?? {});
  const { auth, cors, maxBodyBytes, secrets = [] } = fn.spec;
  return (
    <section className="card space-y-3" aria-labelledby="overview-title">
      <h2 id="overview-title" className="text-lg font-semibold">
        Overview
      </h2>
      <div className="flex flex-wrap items-center gap-3">
        <StatusBadge status={fn.status} reason={fn.last_error?.message} />
        <PublicBadge auth={auth} />
        <span className="text-sm tabular-nums" data-testid="replica-status">
          {fn.ready_replicas}/{fn.replicas} ready, {fn.available_replicas} available,{" "}
          {fn.updated_replicas} updated
        </span>
      </div>
      {fn.last_error && (
        <p
          role="status"
          className="rounded-md bg-amber-100 p-3 text-sm text-amber-900 dark:bg-amber-900/40 dark:text-amber-100"
        >
          <strong>{fn.last_error.code}</strong>: {fn.last_error.message}{" "}
          <time
            className="text-xs"
            dateTime={fn.last_error.at}
            title={formatDateTime(fn.last_error.at)}
          >
            ({formatRelative(fn.last_error.at)})
          </time>
        </p>
      )}
      <dl className="text-sm">
        <DetailRow label="Image">
          <code className="code break-all">{fn.spec.image}</code>
        </DetailRow>
        <DetailRow label="Tenant">{fn.tenant}</DetailRow>
        <DetailRow label="Created">
          <time dateTime={fn.created_at} data-testid="created">
            {formatDateTime(fn.created_at)} ({formatRelative(fn.created_at)})
          </time>
        </DetailRow>
        <DetailRow label="Timeout">
          {fn.spec.timeoutSeconds ? `${fn.spec.timeoutSeconds} s` : "controller default"}
        </DetailRow>
        <DetailRow label="Endpoint access">
          {auth === "public" ? "public: no token needed" : "token: callers need an invoke token"}
        </DetailRow>
        <DetailRow label="CORS">
          {cors === undefined ? (
            "off (browsers on other origins cannot call it)"
          ) : (
            <span data-testid="cors">
              origins {cors.allowOrigins.join(", ")}
              {cors.allowMethods && `; methods ${cors.allowMethods.join(", ")}`}
              {cors.allowHeaders && `; headers ${cors.allowHeaders.join(", ")}`}
              {cors.allowCredentials && "; with credentials"}
              {cors.maxAgeSeconds !== undefined && `; preflight cached ${cors.maxAgeSeconds} s`}
            </span>
          )}
        </DetailRow>
        <DetailRow label="Body limit">
          {maxBodyBytes === undefined ? "controller default" : formatBytes(maxBodyBytes)}
        </DetailRow>
        {fn.spec.command && <DetailRow label="Command">{fn.spec.command.join(" ")}</DetailRow>}
        {resourceRows(fn.spec.resources).map(([label, text]) => (
          <DetailRow key={label} label={label}>
            {text}
          </DetailRow>
        ))}
        <DetailRow label="Autoscaling">
          {scalingText(fn.spec) ?? "none: a fixed replica count"}
        </DetailRow>
        {fn.spec.containerConcurrency !== undefined && fn.spec.containerConcurrency > 0 && (
          <DetailRow label="Concurrency limit">
            {fn.spec.containerConcurrency} requests at once per replica; more wait in the controller
          </DetailRow>
        )}
        {fn.autoscaler && (
          <DetailRow label="Autoscaler">
            <span data-testid="autoscaler">{describeAutoscaler(fn.autoscaler)}</span>
          </DetailRow>
        )}
        <DetailRow label="Environment">
          {env.length === 0 ? (
            "none"
          ) : (
            <ul>
              {env.map(([k, v]) => (
                <li key={k}>
                  <code className="code">
                    {k}={v}
                  </code>
                </li>
              ))}
            </ul>
          )}
        </DetailRow>
        <DetailRow label="Secrets">
          {secrets.length === 0 ? (
            "none"
          ) : (
            <ul>
              {secrets.map((ref) => (
                <li key={ref.name}>
                  <code className="code">{ref.name}</code>{" "}
                  {ref.mount === "env"
                    ? "as environment variables"
                    : `as files in /var/eventflow/secrets/${ref.name}/`}
                  {ref.keys && ` (keys ${ref.keys.join(", ")})`}
                </li>
              ))}
            </ul>
          )}
        </DetailRow>
      </dl>
    </section>
  );
}
