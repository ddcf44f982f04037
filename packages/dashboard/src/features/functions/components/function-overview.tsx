/** Status (with the reason when something is wrong), replicas and configuration of a function. */
import type { FunctionStatus } from "@eventflow/protocol";
import { formatAge } from "../../../lib/format.ts";
import { formatBytes } from "../api/endpoint.ts";
import { PublicBadge } from "./public-badge.tsx";
import { StatusBadge } from "./status-badge.tsx";

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-[10rem_1fr] gap-2 py-1">
      <dt className="text-slate-600 dark:text-slate-400">{label}</dt>
      <dd className="min-w-0 break-all">{children}</dd>
    </div>
  );
}

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
          <span className="text-xs">({formatAge(fn.last_error.at)} ago)</span>
        </p>
      )}
      <dl className="text-sm">
        <Row label="Image">
          <code className="code">{fn.spec.image}</code>
        </Row>
        <Row label="Tenant">{fn.tenant}</Row>
        <Row label="Created">
          <time dateTime={fn.created_at}>{new Date(fn.created_at).toLocaleString()}</time>
        </Row>
        <Row label="Timeout">
          {fn.spec.timeoutSeconds ? `${fn.spec.timeoutSeconds} s` : "controller default"}
        </Row>
        <Row label="Endpoint access">
          {auth === "public" ? "public: no token needed" : "token: callers need an invoke token"}
        </Row>
        <Row label="CORS">
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
        </Row>
        <Row label="Body limit">
          {maxBodyBytes === undefined ? "controller default" : formatBytes(maxBodyBytes)}
        </Row>
        {fn.spec.command && <Row label="Command">{fn.spec.command.join(" ")}</Row>}
        {fn.spec.resources !== undefined && (
          <Row label="Resources">{JSON.stringify(fn.spec.resources)}</Row>
        )}
        {fn.spec.scaling !== undefined && (
          <Row label="Scaling">{JSON.stringify(fn.spec.scaling)}</Row>
        )}
        <Row label="Environment">
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
        </Row>
        <Row label="Secrets">
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
        </Row>
      </dl>
    </section>
  );
}
