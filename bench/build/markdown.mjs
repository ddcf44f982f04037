// The result table of bench:build as markdown (packages/cli/README.md quotes it).
import { machineInfo } from "../lib/report.mjs";

/** The per-builder table and the ratio line of one run. */
export function markdown(results, ratios) {
  const warm = (arm) => results.find((r) => r.kind === "warm_build" && r.arm === arm).ms;
  const cpu = (arm) =>
    results.find((r) => r.kind === "warm_build_cpu" && r.arm === arm).ms.median.toFixed(0);
  const cold = (arm) => results.find((r) => r.kind === "cold_build" && r.arm === arm).ms;
  const image = results.find((r) => r.kind === "image");
  const repro = results.find((r) => r.kind === "reproducibility");
  const stab = (arm) => results.find((r) => r.kind === "digest_stability" && r.arm === arm);
  const m = machineInfo();
  return [
    `Machine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, Linux ${m.kernel}.`,
    "",
    "| builder | warm build + push, median (min-max) | CPU (user+sys) | cold build + push | layers | app layer | same digest across warm rounds |",
    "|---|---|---|---|---|---|---|",
    `| EventFlow | ${warm("eventflow").median.toFixed(0)} ms (${warm("eventflow").min.toFixed(0)}-${warm("eventflow").max.toFixed(0)}) | ${cpu("eventflow")} ms | ${cold("eventflow")} ms | ${image.eventflow.layers} | ${(image.eventflow.app_layer_bytes / 1000).toFixed(1)} kB | ${stab("eventflow").identical}/${stab("eventflow").builds} |`,
    `| containerify 4.1.0 | ${warm("containerify").median.toFixed(0)} ms (${warm("containerify").min.toFixed(0)}-${warm("containerify").max.toFixed(0)}) | ${cpu("containerify")} ms | ${cold("containerify")} ms | ${image.containerify.layers} | ${(image.containerify.added_layer_bytes / 1000).toFixed(1)} kB (2 layers) | ${stab("containerify").identical}/${stab("containerify").builds} |`,
    ...(results.some((r) => r.kind === "warm_build" && r.arm === "buildah")
      ? [
          `| buildah 1.28 (vfs) | ${warm("buildah").median.toFixed(0)} ms (${warm("buildah").min.toFixed(0)}-${warm("buildah").max.toFixed(0)}) | ${cpu("buildah")} ms | ${cold("buildah")} ms | ${image.buildah.layers} | ${(image.buildah.added_layer_bytes / 1000).toFixed(1)} kB | ${stab("buildah").identical}/${stab("buildah").builds} |`,
        ]
      : []),
    "",
    `Ratios: build_time_vs_containerify = ${ratios.build_time_vs_containerify} (median of per-round ratios), cpu_time_vs_containerify = ${ratios.cpu_time_vs_containerify}, identical_digests_fraction = ${ratios.identical_digests_fraction} (${repro.identical}/${repro.builds} varied rebuilds)` +
      (ratios.build_time_vs_buildah === undefined
        ? "."
        : `, build_time_vs_buildah = ${ratios.build_time_vs_buildah}.`),
    "",
  ].join("\n");
}
