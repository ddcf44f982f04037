// The builders bench:build compares, as commands: EventFlow's CLI, containerify and buildah.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Prepares each builder's inputs under `results` and returns `{ arms, digestOf, names }`:
 * `arms[name](tag)` is `[command, args]` for one warm build + push to `tag`, `digestOf`
 * reads the pushed digest after a run.
 */
export async function prepareArms({
  root: ROOT,
  results: RESULTS,
  hello: HELLO,
  registry,
  baseRef,
  withBuildah,
}) {
  const EVENTFLOW_BIN = join(ROOT, "packages/cli/dist/bin.js");
  const CONTAINERIFY_BIN = join(ROOT, "node_modules/containerify/lib/cli.js");
  // containerify packages a ready folder (it does not bundle): give it EventFlow's bundle of
  // hello, so both images carry the same code and only the builders differ.
  const { bundleFunction } = await import(join(ROOT, "packages/cli/dist/index.js"));
  const bundle = await bundleFunction({ dir: HELLO, handler: "src/index.ts" });
  const appDir = join(RESULTS, "containerify-app");
  await mkdir(appDir, { recursive: true });
  await writeFile(join(appDir, "index.mjs"), bundle.code);
  await writeFile(join(appDir, "index.mjs.map"), bundle.map);
  await writeFile(
    join(appDir, "package.json"),
    `${JSON.stringify({ name: "hello", type: "module", scripts: { start: "node index.mjs" } })}\n`,
  );
  const cacheDir = join(RESULTS, "containerify-cache");

  // buildah: an equivalent Containerfile over the same base and bundle (vfs storage, chroot
  // isolation, --timestamp 0 so that its digest is reproducible too).
  const buildahDir = join(RESULTS, "buildah");
  await mkdir(join(buildahDir, "context"), { recursive: true });
  await writeFile(join(buildahDir, "context", "index.mjs"), bundle.code);
  await writeFile(join(buildahDir, "context", "index.mjs.map"), bundle.map);
  await writeFile(join(buildahDir, "context", "package.json"), '{"type":"module"}\n');
  await writeFile(
    join(buildahDir, "Containerfile"),
    [
      `FROM ${baseRef}`,
      "COPY index.mjs index.mjs.map package.json /app/",
      "USER 65532:65532",
      "WORKDIR /app",
      "ENV PORT=8080 NODE_ENV=production",
      "EXPOSE 8080",
      'ENTRYPOINT ["node", "/app/index.mjs"]',
      "",
    ].join("\n"),
  );
  const buildahFlags = `--root ${buildahDir}/root --runroot ${buildahDir}/runroot --storage-driver vfs`;
  const arms = {
    buildah: (tag) => [
      "/bin/sh",
      [
        "-c",
        `buildah ${buildahFlags} bud --quiet --isolation chroot --tls-verify=false --pull=missing --timestamp 0 -f ${buildahDir}/Containerfile -t ${registry.host}/hello-buildah:${tag} ${buildahDir}/context >/dev/null && ` +
          `buildah ${buildahFlags} push --quiet --tls-verify=false --digestfile ${buildahDir}/digest ${registry.host}/hello-buildah:${tag}`,
      ],
    ],
    eventflow: (tag) => [
      process.execPath,
      [
        EVENTFLOW_BIN,
        "build",
        HELLO,
        "-t",
        `${registry.host}/hello-eventflow:${tag}`,
        "--base",
        baseRef,
        "--push",
        "--json",
        "-q",
      ],
    ],
    containerify: (tag) => [
      process.execPath,
      [
        CONTAINERIFY_BIN,
        "--registry",
        `http://${registry.host}/v2/`,
        "--fromImage",
        "base/node:24",
        "--toImage",
        `hello-containerify:${tag}`,
        "--folder",
        appDir,
        "--doCrossMount",
        "--allowInsecureRegistries",
        "--allowNoPushAuth",
        "--layerCacheFolder",
        cacheDir,
        "--entrypoint",
        "node /app/index.mjs",
        "--user",
        "65532",
        "--setTimeStamp",
        "1970-01-01T00:00:00Z",
        "--writePrefixedDigestTo",
        join(RESULTS, "containerify-digest"),
      ],
    ],
  };
  const digestOf = async (arm, out) => {
    if (arm === "eventflow") return JSON.parse(out.stdout.trim().split("\n").at(-1)).digest;
    const file =
      arm === "buildah" ? join(buildahDir, "digest") : join(RESULTS, "containerify-digest");
    return (await readFile(file, "utf8")).trim();
  };
  const ARMS = withBuildah
    ? ["eventflow", "containerify", "buildah"]
    : ["eventflow", "containerify"];
  return { arms, digestOf, names: ARMS };
}
