// The chart exposes function URLs through an Ingress or a Gateway API HTTPRoute: rendered with
// non-default values, refused without a Gateway to attach to, and accepted by the real API
// server's schema once the Gateway API's CRDs (from its Go module, hack/testenv/build.sh) are in.
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { applyCrds, CHART, parseManifests, testenvBinary, tool, SSA } from "./support.ts";

const SECRET = "0123456789abcdef0123456789abcdef-test-only";
const run = randomBytes(3).toString("hex");

type Route = {
  spec: {
    parentRefs: { name: string; namespace?: string }[];
    hostnames?: string[];
    rules: {
      matches: { path: { type: string; value: string } }[];
      backendRefs: { name: string; port: number }[];
    }[];
  };
};

async function render(...set: string[]) {
  return tool("helm", [
    "template",
    "ef",
    CHART,
    "-n",
    `ef-route-${run}`,
    "--set",
    `auth.jwtSecret=${SECRET}`,
    ...set.flatMap((v) => ["--set", v]),
  ]);
}

describe("exposing function URLs (Ingress, HTTPRoute)", () => {
  it("renders an HTTPRoute for /fn/ only, attached to the named Gateway", async () => {
    const r = await tool("helm", ["template", "ef", CHART, "-f", `${CHART}/ci/full-values.yaml`]);
    expect(r.code, r.stderr).toBe(0);
    const routes = parseManifests(r.stdout).filter((m) => m.kind === "HTTPRoute");
    expect(routes).toHaveLength(1);
    const route = routes[0] as unknown as Route;
    expect(route.spec.parentRefs).toEqual([
      { name: "public", namespace: "gateway-system", sectionName: "https" },
    ]);
    expect(route.spec.hostnames).toEqual(["fn.example.com"]);
    expect(route.spec.rules).toEqual([
      {
        matches: [{ path: { type: "PathPrefix", value: "/fn/" } }],
        backendRefs: [{ name: "eventflow-controller", port: 80 }],
      },
    ]);
  });

  it("routes everything by default, and refuses an HTTPRoute with no Gateway", async () => {
    const all = await render("httpRoute.enabled=true", "httpRoute.parentRefs[0].name=gw");
    expect(all.code, all.stderr).toBe(0);
    const route = parseManifests(all.stdout).find(
      (m) => m.kind === "HTTPRoute",
    ) as unknown as Route;
    expect(route.spec.rules[0]!.matches[0]!.path.value).toBe("/");
    const ingress = await render("ingress.enabled=true", "ingress.functionsOnly=true");
    expect(ingress.stdout).toContain("path: /fn/");
    const none = await render("httpRoute.enabled=true");
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain("httpRoute.parentRefs");
  });

  it("the API server accepts the HTTPRoute and the Ingress (server-side dry run)", async () => {
    await applyCrds(readFileSync(testenvBinary("gateway-api-crds"), "utf8"), [
      "httproutes.gateway.networking.k8s.io",
    ]);
    const r = await render(
      "httpRoute.enabled=true",
      "httpRoute.parentRefs[0].name=gw",
      "httpRoute.hostnames[0]=fn.example.com",
      "httpRoute.functionsOnly=true",
      "ingress.enabled=true",
      "ingress.functionsOnly=true",
    );
    expect(r.code, r.stderr).toBe(0);
    const exposed = parseManifests(r.stdout)
      .filter((m) => m.kind === "HTTPRoute" || m.kind === "Ingress")
      .map((m) => ({ ...m, metadata: { ...m.metadata, namespace: "default" } }));
    expect(exposed).toHaveLength(2);
    const dry = await tool(
      "kubectl",
      [...SSA, "--dry-run=server", "-f", "-"],
      exposed.map((m) => JSON.stringify(m)).join("\n---\n"),
    );
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("httproute.gateway.networking.k8s.io/eventflow-controller");
  });
});
