import { EventFlowError } from "@eventflow/protocol";
import { matchesPlatform } from "@eventflow/registry";
import type { ResolvedBase } from "./assemble.js";
import { formatPlatform, type Platform } from "./types.js";

const PLATFORM = /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/;

/** Parses `os/arch[/variant]` (`linux/amd64`, `linux/arm64/v8`); CLI_USAGE otherwise. */
export function parsePlatform(text: string): Platform {
  const match = PLATFORM.exec(text);
  if (match === null) {
    throw new EventFlowError(
      "CLI_USAGE",
      `--platform takes os/arch[/variant], e.g. linux/amd64, got ${JSON.stringify(text)}`,
    );
  }
  const [, os, architecture, variant] = match;
  return variant === undefined
    ? { os: os!, architecture: architecture! }
    : { os: os!, architecture: architecture!, variant };
}

/**
 * Narrows a base to the platforms asked for (`--platform`, repeatable). Scratch gets one
 * image per platform (an index when there are several); a manifest or an index keeps the
 * images that match, in the base's order, and fails with BUILD_BASE_IMAGE_NOT_FOUND when a
 * platform asked for is missing. No platforms asked: the base as it is.
 */
export function selectBasePlatforms(base: ResolvedBase, wanted: readonly Platform[]): ResolvedBase {
  if (wanted.length === 0) return base;
  if (base.kind === "scratch") {
    if (wanted.length === 1) return base;
    return {
      kind: "index",
      images: wanted.map((platform) => ({
        platform,
        config: { ...platform, rootfs: { type: "layers", diff_ids: [] } },
        layers: [],
      })),
    };
  }
  const missing = wanted.filter(
    (w) => !base.images.some((image) => matchesPlatform(image.platform, w)),
  );
  if (missing.length > 0) {
    const has = base.images.map((image) => formatPlatform(image.platform)).join(", ");
    throw new EventFlowError(
      "BUILD_BASE_IMAGE_NOT_FOUND",
      `base image ${base.name ?? ""} has no ${missing.map(formatPlatform).join(", ")} (it has ${has})`,
    );
  }
  const images = base.images.filter((image) =>
    wanted.some((w) => matchesPlatform(image.platform, w)),
  );
  return { ...base, images };
}
