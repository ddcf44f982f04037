import { describe, expect, it } from "vitest";
import type { V1ConfigMap } from "@kubernetes/client-node";
import type { FunctionSpec, SecretMeta } from "../../src/drivers/driver.js";
import { buildDeployment } from "../../src/drivers/kubernetes/build-deployment.js";
import {
  SECRETS_ANNOTATION,
  buildSecret,
  buildSecretIndex,
  secretMetaOf,
  secretObjectName,
  secretsDigest,
} from "../../src/drivers/kubernetes/build-secret.js";

const ref = { namespace: "ns1", name: "hello" };
const meta = (name: string, keys: string[], version = "v1"): SecretMeta => ({
  tenant: "acme",
  name,
  keys,
  version,
  createdAt: "2026-12-05T00:00:00.000Z",
  updatedAt: "2026-12-05T00:00:00.000Z",
});
const stripe = meta("stripe", ["API_KEY", "webhook.pem"]);
const db = meta("db", ["PASSWORD", "USER"]);
const metas = new Map([
  ["stripe", stripe],
  ["db", db],
]);
const spec: FunctionSpec = {
  tenant: "acme",
  name: "hello",
  image: "registry.invalid/eventflow/hello:1",
  replicas: 1,
  env: { GREETING: "hi" },
  secrets: [
    { name: "stripe", mount: "files" },
    { name: "db", mount: "env", keys: ["PASSWORD"] },
  ],
};

const pod = (s: FunctionSpec, m: ReadonlyMap<string, SecretMeta> = metas) =>
  buildDeployment(s, { ref, secrets: m }).spec!.template;

describe("secret objects", () => {
  it("names carry the tenant, so tenants sharing a namespace never collide", () => {
    expect(secretObjectName("acme", "stripe")).toBe("eventflow-secret.acme.stripe");
    // "a-b"/"c" and "a"/"b-c" would collide with a dash; dots are not allowed in either part.
    expect(secretObjectName("a-b", "c")).not.toBe(secretObjectName("a", "b-c"));
  });

  it("the Secret: Opaque, labelled as EventFlow's, values base64 in data", () => {
    const s = buildSecret(
      stripe,
      "ns1",
      { API_KEY: new TextEncoder().encode("sk_live"), "webhook.pem": new Uint8Array([0, 255, 10]) },
      "uid-1",
    );
    expect(s).toMatchObject({
      kind: "Secret",
      type: "Opaque",
      metadata: {
        name: "eventflow-secret.acme.stripe",
        namespace: "ns1",
        labels: {
          "app.kubernetes.io/managed-by": "eventflow",
          "eventflow.dev/tenant": "acme",
          "eventflow.dev/secret": "stripe",
        },
      },
      data: { API_KEY: Buffer.from("sk_live").toString("base64"), "webhook.pem": "AP8K" },
    });
    // Owned by its index: deleting the index alone takes the values with it.
    expect(s.metadata?.ownerReferences).toEqual([
      { apiVersion: "v1", kind: "ConfigMap", name: "eventflow-secret.acme.stripe", uid: "uid-1" },
    ]);
    expect(s.stringData).toBeUndefined();
  });

  it("the index holds metadata only and reads back to the same meta", () => {
    const cm = buildSecretIndex(stripe, "ns1");
    expect(JSON.stringify(cm)).not.toContain("sk_live");
    expect(cm.metadata?.name).toBe("eventflow-secret.acme.stripe");
    expect(secretMetaOf(cm)).toEqual(stripe);
  });

  it.each<[string, (cm: V1ConfigMap) => void]>([
    [
      "not managed by EventFlow",
      (cm) => (cm.metadata!.labels!["app.kubernetes.io/managed-by"] = "x"),
    ],
    [
      "labelled for another tenant than its name says",
      (cm) => (cm.metadata!.labels!["eventflow.dev/tenant"] = "evil"),
    ],
    ["labelled for another secret", (cm) => (cm.metadata!.labels!["eventflow.dev/secret"] = "db")],
    ["keys not JSON", (cm) => (cm.data!.keys = "API_KEY")],
    ["keys not strings", (cm) => (cm.data!.keys = "[1]")],
    ["no version", (cm) => delete cm.data!.version],
  ])("an index %s is ignored", (_title, spoil) => {
    const cm = buildSecretIndex(stripe, "ns1");
    spoil(cm);
    expect(secretMetaOf(cm)).toBeUndefined();
  });

  it("the digest changes with any version and ignores order", () => {
    expect(secretsDigest([stripe, db])).toBe(secretsDigest([db, stripe]));
    expect(secretsDigest([stripe, db])).not.toBe(
      secretsDigest([meta("stripe", ["API_KEY"], "v2"), db]),
    );
  });
});

describe("buildDeployment with secrets", () => {
  it("files: a read-only 0440 secret volume at /var/eventflow/secrets/NAME, fsGroup set", () => {
    const t = pod(spec);
    expect(t.spec?.securityContext?.fsGroup).toBe(65532);
    expect(t.spec?.volumes).toContainEqual({
      name: "secret-0",
      secret: { secretName: "eventflow-secret.acme.stripe", defaultMode: 0o440 },
    });
    expect(t.spec?.containers[0]?.volumeMounts).toContainEqual({
      name: "secret-0",
      mountPath: "/var/eventflow/secrets/stripe",
      readOnly: true,
    });
  });

  it("files with keys: only those items", () => {
    const t = pod({ ...spec, secrets: [{ name: "stripe", mount: "files", keys: ["API_KEY"] }] });
    expect(t.spec?.volumes?.find((v) => v.name === "secret-0")?.secret?.items).toEqual([
      { key: "API_KEY", path: "API_KEY" },
    ]);
  });

  it("env: one secretKeyRef per key (named ones, else every key of the index), never a value", () => {
    const only = pod(spec).spec?.containers[0]?.env ?? [];
    expect(only.filter((e) => e.valueFrom)).toEqual([
      {
        name: "PASSWORD",
        valueFrom: { secretKeyRef: { name: "eventflow-secret.acme.db", key: "PASSWORD" } },
      },
    ]);
    const all = pod({ ...spec, secrets: [{ name: "db", mount: "env" }] }).spec?.containers[0]?.env;
    expect(all?.filter((e) => e.valueFrom).map((e) => e.name)).toEqual(["PASSWORD", "USER"]);
    expect(all?.filter((e) => e.valueFrom).every((e) => e.value === undefined)).toBe(true);
  });

  it("EVENTFLOW_SECRETS_DIR is set and a secret key cannot override the contract's variables", () => {
    const env = pod(
      { ...spec, secrets: [{ name: "evil", mount: "env" }] },
      new Map([["evil", meta("evil", ["PORT", "EVENTFLOW_SECRETS_DIR", "OK"])]]),
    ).spec?.containers[0]?.env;
    expect(env?.filter((e) => e.name === "PORT")).toEqual([{ name: "PORT", value: "8080" }]);
    expect(env?.filter((e) => e.name === "EVENTFLOW_SECRETS_DIR")).toEqual([
      { name: "EVENTFLOW_SECRETS_DIR", value: "/var/eventflow/secrets" },
    ]);
    expect(env?.map((e) => e.name)).toContain("OK");
  });

  it("the pod template's digest annotation rolls the function when a secret's version changes", () => {
    const before = pod(spec).metadata?.annotations?.[SECRETS_ANNOTATION];
    const after = pod(spec, new Map([...metas, ["db", meta("db", ["PASSWORD", "USER"], "v2")]]))
      .metadata?.annotations?.[SECRETS_ANNOTATION];
    expect(before).toMatch(/^[0-9a-f]{32}$/);
    expect(after).not.toBe(before);
  });

  it("without secrets: no secret volume, mount or annotation (other functions do not roll)", () => {
    const t = pod({ ...spec, secrets: undefined });
    expect(t.metadata?.annotations).toBeUndefined();
    expect(t.spec?.volumes).toBeUndefined();
    expect(t.spec?.containers[0]?.volumeMounts).toBeUndefined();
  });

  it("keeps the configured pod annotations next to the digest", () => {
    const t = buildDeployment(spec, { ref, secrets: metas, podAnnotations: { a: "b" } }).spec!
      .template;
    expect(Object.keys(t.metadata?.annotations ?? {}).sort()).toEqual(["a", SECRETS_ANNOTATION]);
  });
});
