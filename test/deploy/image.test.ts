// The controller image, built without a daemon by EventFlow's own builder (`eventflow build
// --entry`, deploy/docker/build-image.sh) into an OCI layout, read back with skopeo and umoci;
// and deploy/docker/Dockerfile.controller kept in step with it (same base, user, entrypoint,
// port, working directory, labels, and byte-for-byte the same bundle).
// The base is the CLI tests' local node image (no registry can be pulled from here); the
// Dockerfile's base is compared with the builder's default base instead.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_BASE } from "../../packages/cli/src/defaults.ts";
import { ensureTestBaseImage } from "../cli/index.ts";
import { DEPLOY, REPO } from "./support.ts";

const run = promisify(execFile);
const DOCKERFILE = join(DEPLOY, "docker", "Dockerfile.controller");
// Node 24 (this process) first on PATH: the scripts run `node`.
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}` };

interface ImageConfig {
  User?: string;
  Entrypoint?: string[];
  Cmd?: string[];
  WorkingDir?: string;
  ExposedPorts?: Record<string, object>;
  Labels?: Record<string, string>;
  Env?: string[];
}

/** The final stage of a Dockerfile: its base and the instructions that shape the config. */
function parseFinalStage(text: string) {
  const lines = text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const stages = lines.reduce<string[][]>((acc, l) => {
    if (/^FROM\s/i.test(l)) acc.push([]);
    acc.at(-1)?.push(l);
    return acc;
  }, []);
  const last = stages.at(-1) ?? [];
  const arg = (kw: string) =>
    last
      .filter((l) => l.toUpperCase().startsWith(`${kw} `))
      .map((l) => l.slice(kw.length + 1).trim());
  const labels: Record<string, string> = {};
  for (const l of arg("LABEL"))
    for (const m of l.matchAll(/([\w.-]+)="([^"]*)"/g)) labels[m[1]!] = m[2]!;
  return {
    from: arg("FROM")[0]?.split(/\s+/)[0],
    user: arg("USER").at(-1),
    entrypoint: JSON.parse(arg("ENTRYPOINT").at(-1) ?? "null") as string[] | null,
    cmd: arg("CMD").at(-1),
    expose: arg("EXPOSE").flatMap((e) => e.split(/\s+/)),
    workdir: arg("WORKDIR").at(-1),
    labels,
  };
}

/** `node:24-slim` and `docker.io/library/node:24-slim` name the same image. */
const normalise = (ref: string) =>
  ref.includes("/") ? ref.replace(/^docker\.io\/library\//, "") : ref;

let work: string;
let layout: string;
let config: ImageConfig;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ef-deploy-image-"));
  const base = await ensureTestBaseImage();
  layout = `${work}/oci`;
  await run(
    "bash",
    [
      join(DEPLOY, "docker", "build-image.sh"),
      "--base",
      `oci:${base.layout}:amd64`,
      "--output",
      `oci:${layout}:controller`,
      "--json",
      "-q",
    ],
    { env, timeout: 120_000 },
  );
  // The Dockerfile's bundle step, right after the image build (same sources on disk).
  await run(
    process.execPath,
    [join(DEPLOY, "docker", "bundle-controller.mjs"), `${work}/docker-app`],
    {
      env,
      timeout: 120_000,
    },
  );
  config = (
    JSON.parse(
      (await run("skopeo", ["inspect", "--config", `oci:${layout}:controller`])).stdout,
    ) as {
      config: ImageConfig;
    }
  ).config;
  await run("umoci", ["unpack", "--rootless", "--image", `${layout}:controller`, `${work}/bundle`]);
  // In the image, ../../../dashboard/dist from /app stops at / (= /dashboard/dist); unpacked,
  // the root filesystem is a subdirectory, so the same relative path needs this link.
  await symlink(`${work}/bundle/rootfs/dashboard`, `${work}/dashboard`);
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe("controller image built by eventflow build --entry", () => {
  it("skopeo: non-root user, node entrypoint, port 8080, /app, labels", () => {
    expect(config.User).toBe("65532:65532");
    expect(config.Entrypoint).toEqual(["node", "--enable-source-maps", "/app/index.mjs"]);
    expect(config.Cmd ?? []).toEqual([]);
    expect(Object.keys(config.ExposedPorts ?? {})).toContain("8080/tcp");
    expect(config.WorkingDir).toBe("/app");
    expect(config.Labels).toMatchObject({
      "org.opencontainers.image.title": "eventflow-controller",
      "dev.eventflow.runtime": "node",
    });
    expect(config.Env).toEqual(expect.arrayContaining(["NODE_ENV=production", "PORT=8080"]));
  });

  it("carries the dashboard build at /dashboard/dist, file for file", async () => {
    const list = async (root: string): Promise<string[]> =>
      (await readdir(root, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile())
        .map((e) => relative(root, join(e.parentPath, e.name)))
        .sort();
    const built = await list(join(REPO, "packages/dashboard/dist"));
    expect(built).toContain("index.html");
    expect(await list(`${work}/bundle/rootfs/dashboard/dist`)).toEqual(built);
  });

  it("its /app/index.mjs is the controller: /healthz, /readyz, and the dashboard at /", async () => {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    // As the chart and kustomize run it: the secret in a file (a mounted Secret, 0440).
    const secretFile = `${work}/jwt-secret`;
    await writeFile(secretFile, "0123456789abcdef0123456789abcdef-test\n", { mode: 0o440 });
    const child = spawn(process.execPath, [`${work}/bundle/rootfs/app/index.mjs`], {
      env: {
        PATH: env.PATH,
        JWT_SECRET_FILE: secretFile,
        PORT: String(port),
        METRICS_PORT: "0",
        EVENTFLOW_DRIVER: "local",
        EVENTFLOW_DATA_DIR: `${work}/data`,
        EVENTFLOW_HOST: "127.0.0.1",
      },
      stdio: "ignore",
    });
    try {
      let status = 0;
      for (let i = 0; i < 100 && status !== 200; i++) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    } finally {
      child.kill("SIGTERM");
    }
  });
});

describe("Dockerfile.controller agrees with the built image", () => {
  it("same base as the builder's default (build-image.sh does not override it)", async () => {
    const stage = parseFinalStage(await readFile(DOCKERFILE, "utf8"));
    expect(normalise(stage.from ?? "")).toBe(normalise(DEFAULT_BASE));
    const script = await readFile(join(DEPLOY, "docker", "build-image.sh"), "utf8");
    expect(script).not.toMatch(/--base\b/);
  });

  it("the dashboard lands in the same place (COPY destination = --include destination)", async () => {
    const text = await readFile(DOCKERFILE, "utf8");
    const copy = /^COPY\s+--from=\S+\s+\S*packages\/dashboard\/dist\/?\s+(\S+)$/m.exec(text);
    const script = await readFile(join(DEPLOY, "docker", "build-image.sh"), "utf8");
    const include = /--include\s+"[^"]*packages\/dashboard\/dist:([^"]+)"/.exec(script);
    expect(copy?.[1]?.replace(/\/$/, "")).toBe("/dashboard/dist");
    expect(include?.[1]).toBe("/dashboard/dist");
  });

  it("same user, entrypoint, command, port, working directory and labels", async () => {
    const stage = parseFinalStage(await readFile(DOCKERFILE, "utf8"));
    expect(stage.user).toBe(config.User);
    expect(stage.entrypoint).toEqual(config.Entrypoint);
    expect(stage.cmd).toBeUndefined();
    expect(stage.expose.map((p) => (p.includes("/") ? p : `${p}/tcp`))).toEqual(
      Object.keys(config.ExposedPorts ?? {}),
    );
    expect(stage.workdir).toBe(config.WorkingDir);
    expect(config.Labels).toMatchObject(stage.labels);
    expect(Object.keys(stage.labels).length).toBeGreaterThan(0);
  });

  it("the Dockerfile's bundle step writes the same bytes as the image's /app", async () => {
    const out = `${work}/docker-app`;
    for (const file of ["index.mjs", "index.mjs.map", "package.json"])
      expect(
        (await readFile(`${out}/${file}`)).equals(
          await readFile(`${work}/bundle/rootfs/app/${file}`),
        ),
        file,
      ).toBe(true);
  });
});
