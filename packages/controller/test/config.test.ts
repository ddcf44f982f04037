import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";

const SECRET = "config-test-secret-0123456789-abcdefghij";

function problems(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    expect((error as { code: string }).code).toBe("CONFIG_INVALID");
    return ((error as { details: Array<{ path: string }> }).details ?? []).map((d) => d.path);
  }
  throw new Error("expected CONFIG_INVALID");
}

describe("parseConfig", () => {
  it("applies the seed's defaults and picks the local driver without a cluster", () => {
    const c = parseConfig({ JWT_SECRET: SECRET, HOME: "/home/u" });
    expect(c).toMatchObject({
      port: 8080,
      namespace: "default",
      logLevel: "info",
      metricsPort: 9090,
      driver: "local",
    });
    expect(c.dataDir).toBe("/home/u/.local/share/eventflow");
    expect(c.host).toBe("0.0.0.0");
    expect(c.auth.devAuth).toBe(false);
    expect(c.auth.oidc).toBeUndefined();
    expect(Object.isFrozen(c) && Object.isFrozen(c.auth) && Object.isFrozen(c.limits)).toBe(true);
  });

  it("binds the unauthenticated metrics listener to loopback outside a cluster", () => {
    expect(parseConfig({ JWT_SECRET: SECRET }).metricsHost).toBe("127.0.0.1");
    expect(parseConfig({ JWT_SECRET: SECRET, KUBECONFIG: "/k" }).metricsHost).toBe("127.0.0.1");
    expect(
      parseConfig({ JWT_SECRET: SECRET, KUBERNETES_SERVICE_HOST: "10.0.0.1" }).metricsHost,
    ).toBe("0.0.0.0");
    expect(parseConfig({ JWT_SECRET: SECRET, METRICS_HOST: "0.0.0.0" }).metricsHost).toBe(
      "0.0.0.0",
    );
  });

  it("picks kubernetes inside a cluster and binds dev auth to loopback", () => {
    expect(parseConfig({ JWT_SECRET: SECRET, KUBERNETES_SERVICE_HOST: "10.0.0.1" }).driver).toBe(
      "kubernetes",
    );
    expect(
      parseConfig({
        JWT_SECRET: SECRET,
        KUBERNETES_SERVICE_HOST: "10.0.0.1",
        EVENTFLOW_DRIVER: "local",
      }).driver,
    ).toBe("local");
    const dev = parseConfig({ JWT_SECRET: SECRET, EVENTFLOW_DEV_AUTH: "true" });
    expect(dev.auth.devAuth).toBe(true);
    expect(dev.host).toBe("127.0.0.1");
  });

  it("fails clearly without JWT_SECRET or with a short one", () => {
    expect(problems({})).toEqual(["JWT_SECRET"]);
    expect(problems({ JWT_SECRET: "dev-secret" })).toEqual(["JWT_SECRET"]);
  });

  it.each([
    ["32 spaces", " ".repeat(32)],
    ["one repeated character", "x".repeat(64)],
    ["two alternating characters", "ab".repeat(32)],
    ["a repeated word", "password".repeat(4)],
  ])("refuses a predictable JWT_SECRET: %s", (_what, secret) => {
    expect(problems({ JWT_SECRET: secret })).toEqual(["JWT_SECRET"]);
  });

  it.each([
    ["base64 of 32 random bytes", randomBytes(32).toString("base64")],
    ["hex of 32 random bytes", randomBytes(32).toString("hex")],
    ["hex with few distinct digits by chance", "0123456789abcdef".repeat(2)],
    ["a long passphrase", "correct horse battery staple and a spoon"],
  ])("accepts a random-looking JWT_SECRET: %s", (_what, secret) => {
    expect(parseConfig({ JWT_SECRET: secret }).auth.jwtSecret).toBe(secret);
  });

  it("reads JWT_SECRET_FILE, checks its content like JWT_SECRET, and refuses both or an unreadable file", () => {
    const dir = mkdtempSync(join(tmpdir(), "eventflow-secret-"));
    try {
      const good = join(dir, "good");
      writeFileSync(good, `${SECRET}\n`, { mode: 0o600 });
      expect(parseConfig({ JWT_SECRET_FILE: good }).auth.jwtSecret).toBe(SECRET);
      const weak = join(dir, "weak");
      writeFileSync(weak, " ".repeat(40));
      expect(problems({ JWT_SECRET_FILE: weak })).toEqual(["JWT_SECRET"]);
      expect(problems({ JWT_SECRET_FILE: join(dir, "missing") })).toEqual(["JWT_SECRET_FILE"]);
      expect(problems({ JWT_SECRET_FILE: good, JWT_SECRET: SECRET })).toEqual(["JWT_SECRET_FILE"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ["0600", 0o600, false],
    ["0640", 0o640, false],
    ["0440", 0o440, false],
    ["0644", 0o644, true],
    ["0604", 0o604, true],
  ])("JWT_SECRET_FILE of mode %s: readable by others is %s", (_mode, mode, others) => {
    const dir = mkdtempSync(join(tmpdir(), "eventflow-secret-"));
    try {
      const file = join(dir, "secret");
      writeFileSync(file, `${SECRET}\r\n`);
      chmodSync(file, mode);
      const auth = parseConfig({ JWT_SECRET_FILE: file }).auth;
      expect(auth.jwtSecret).toBe(SECRET);
      expect(auth.jwtSecretFile).toEqual({ path: file, readableByOthers: others });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("drops one trailing newline of JWT_SECRET_FILE, not more", () => {
    const dir = mkdtempSync(join(tmpdir(), "eventflow-secret-"));
    try {
      const file = join(dir, "secret");
      writeFileSync(file, `${SECRET}\n\n`, { mode: 0o600 });
      expect(parseConfig({ JWT_SECRET_FILE: file }).auth.jwtSecret).toBe(`${SECRET}\n`);
      expect(parseConfig({ JWT_SECRET: SECRET }).auth.jwtSecretFile).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports every bad key at once", () => {
    const paths = problems({
      JWT_SECRET: "short",
      PORT: "http",
      LOG_LEVEL: "loud",
      METRICS_PORT: "70000",
      EVENTFLOW_DRIVER: "docker",
      EVENTFLOW_DEV_AUTH: "maybe",
      EVENTFLOW_OIDC_ISSUER: "not a url",
      EVENTFLOW_MAX_BODY_BYTES: "-1",
    });
    expect(paths.sort()).toEqual(
      [
        "JWT_SECRET",
        "PORT",
        "LOG_LEVEL",
        "METRICS_PORT",
        "EVENTFLOW_DRIVER",
        "EVENTFLOW_DEV_AUTH",
        "EVENTFLOW_OIDC_ISSUER",
        "EVENTFLOW_MAX_BODY_BYTES",
      ].sort(),
    );
  });

  it.each(["acme.prod", "a*", "Acme", "-acme"])(
    "refuses a default tenant that is not a tenant name: %j",
    (tenant) => {
      expect(problems({ JWT_SECRET: SECRET, EVENTFLOW_DEFAULT_TENANT: tenant })).toEqual([
        "EVENTFLOW_DEFAULT_TENANT",
      ]);
    },
  );

  it("reads the autoscaling settings, with defaults, and reports bad ones with the rest", () => {
    expect(parseConfig({ JWT_SECRET: SECRET }).autoscaling).toEqual({
      activatorQueue: 1000,
      coldStartTimeoutMs: 60_000,
      intervalMs: 2000,
    });
    expect(
      parseConfig({
        JWT_SECRET: SECRET,
        EVENTFLOW_ACTIVATOR_QUEUE: "5",
        EVENTFLOW_COLD_START_TIMEOUT_SECONDS: "20",
        EVENTFLOW_AUTOSCALER_INTERVAL_MS: "500",
      }).autoscaling,
    ).toEqual({ activatorQueue: 5, coldStartTimeoutMs: 20_000, intervalMs: 500 });
    expect(
      problems({
        JWT_SECRET: SECRET,
        PORT: "http",
        EVENTFLOW_ACTIVATOR_QUEUE: "0",
        EVENTFLOW_AUTOSCALER_INTERVAL_MS: "10",
        EVENTFLOW_NATS_REPLICAS: "2",
      }).sort(),
    ).toEqual(
      [
        "PORT",
        "EVENTFLOW_ACTIVATOR_QUEUE",
        "EVENTFLOW_AUTOSCALER_INTERVAL_MS",
        "EVENTFLOW_NATS_REPLICAS",
      ].sort(),
    );
  });

  it("needs an audience with an OIDC issuer and refuses symmetric OIDC algorithms", () => {
    expect(
      problems({ JWT_SECRET: SECRET, EVENTFLOW_OIDC_ISSUER: "https://id.example.com" }),
    ).toEqual(["EVENTFLOW_OIDC_AUDIENCE"]);
    expect(
      problems({
        JWT_SECRET: SECRET,
        EVENTFLOW_OIDC_ISSUER: "https://id.example.com",
        EVENTFLOW_OIDC_AUDIENCE: "eventflow",
        EVENTFLOW_OIDC_ALGORITHMS: "RS256,HS256",
      }),
    ).toEqual(["EVENTFLOW_OIDC_ALGORITHMS.1"]);
    const c = parseConfig({
      JWT_SECRET: SECRET,
      EVENTFLOW_OIDC_ISSUER: "https://id.example.com",
      EVENTFLOW_OIDC_AUDIENCE: "eventflow",
      EVENTFLOW_TENANT_CLAIM: "org",
    });
    expect(c.auth.oidc).toMatchObject({ issuer: "https://id.example.com", audience: "eventflow" });
    expect(c.auth.oidc?.algorithms).not.toContain("HS256");
    expect(c.auth.tenantClaim).toBe("org");
  });

  it("reads the kubernetes driver's tenancy settings", () => {
    const single = parseConfig({ JWT_SECRET: SECRET });
    expect(single.kubernetes).toEqual({
      namespacePerTenant: false,
      namespacePrefix: "eventflow-",
      controllerNamespace: "eventflow-system",
      endpointMode: "pod",
      imagePullSecrets: [],
      leaderElection: true,
    });
    const perTenant = parseConfig({
      JWT_SECRET: SECRET,
      EVENTFLOW_NAMESPACE_PER_TENANT: "true",
      EVENTFLOW_NAMESPACE_PREFIX: "ef-",
      EVENTFLOW_KUBERNETES_ENDPOINTS: "service",
      EVENTFLOW_LEADER_ELECTION: "false",
    });
    expect(perTenant.kubernetes).toMatchObject({
      namespacePerTenant: true,
      namespacePrefix: "ef-",
      endpointMode: "service",
      leaderElection: false,
    });
    expect(
      problems({
        JWT_SECRET: SECRET,
        EVENTFLOW_NAMESPACE_PREFIX: "Bad_",
        EVENTFLOW_KUBERNETES_ENDPOINTS: "ip",
      }).sort(),
    ).toEqual(["EVENTFLOW_KUBERNETES_ENDPOINTS", "EVENTFLOW_NAMESPACE_PREFIX"]);
  });

  it("accepts OIDC issuers over https, or http only on loopback", () => {
    const base = { JWT_SECRET: SECRET, EVENTFLOW_OIDC_AUDIENCE: "a" };
    expect(
      parseConfig({ ...base, EVENTFLOW_OIDC_ISSUER: "http://127.0.0.1:9000" }).auth.oidc,
    ).toBeDefined();
    expect(
      parseConfig({ ...base, EVENTFLOW_OIDC_ISSUER: "http://localhost:9000/realms/x" }).auth.oidc,
    ).toBeDefined();
    expect(problems({ ...base, EVENTFLOW_OIDC_ISSUER: "http://id.example.com" })).toEqual([
      "EVENTFLOW_OIDC_ISSUER",
    ]);
  });

  it("reads the local driver's sandbox and replica uid range", () => {
    expect(parseConfig({ JWT_SECRET: SECRET }).localSandbox).toEqual({
      mode: "auto",
      uidBase: 200_000,
      uidCount: 65_536,
    });
    const set = parseConfig({
      JWT_SECRET: SECRET,
      EVENTFLOW_LOCAL_SANDBOX: "bwrap",
      EVENTFLOW_LOCAL_UID_BASE: "300000",
      EVENTFLOW_LOCAL_UID_COUNT: "100",
    });
    expect(set.localSandbox).toEqual({ mode: "bwrap", uidBase: 300_000, uidCount: 100 });
    // Replicas inherit the controller's PATH through the config, not by reading process.env.
    expect(parseConfig({ JWT_SECRET: SECRET, PATH: "/usr/bin:/bin" }).localSandbox).toMatchObject({
      replicaPath: "/usr/bin:/bin",
    });
    expect(
      problems({
        JWT_SECRET: SECRET,
        EVENTFLOW_LOCAL_SANDBOX: "firejail",
        EVENTFLOW_LOCAL_UID_BASE: "0",
        EVENTFLOW_LOCAL_UID_COUNT: "0",
      }).sort(),
    ).toEqual(["EVENTFLOW_LOCAL_SANDBOX", "EVENTFLOW_LOCAL_UID_BASE", "EVENTFLOW_LOCAL_UID_COUNT"]);
  });

  it("refuses METRICS_PORT equal to PORT", () => {
    expect(problems({ JWT_SECRET: SECRET, PORT: "9000", METRICS_PORT: "9000" })).toEqual([
      "METRICS_PORT",
    ]);
  });

  // The message is the feature here (issue 14 item 10): what a person reads, not zod's text.
  it("says what a bad variable must be, with the value as it was set (never a secret's)", () => {
    const messages = (env: Record<string, string>) => {
      try {
        parseConfig({ JWT_SECRET: SECRET, ...env });
      } catch (error) {
        return (error as { details: Array<{ path: string; message: string }> }).details;
      }
      throw new Error("expected CONFIG_INVALID");
    };
    expect(messages({ PORT: "abc", METRICS_PORT: "70000", LOG_LEVEL: "loud" })).toEqual([
      { path: "PORT", message: 'must be a whole number between 0 and 65535 (got "abc")' },
      {
        path: "LOG_LEVEL",
        message: 'must be one of trace, debug, info, warn, error, fatal, silent (got "loud")',
      },
      { path: "METRICS_PORT", message: 'must be a whole number between 0 and 65535 (got "70000")' },
    ]);
    expect(messages({ EVENTFLOW_DEV_AUTH: "maybe" })).toEqual([
      { path: "EVENTFLOW_DEV_AUTH", message: 'must be true or false (got "maybe")' },
    ]);
    const secret = messages({ JWT_SECRET: "short" });
    expect(secret).toEqual([
      { path: "JWT_SECRET", message: expect.stringMatching(/^must be at least 32/) },
    ]);
    expect(JSON.stringify(secret)).not.toContain("short");
    expect(() => parseConfig({ JWT_SECRET: SECRET, PORT: "abc" })).toThrow(
      /invalid controller configuration: PORT must be a whole number between 0 and 65535 \(got "abc"\)/,
    );
  });
});
