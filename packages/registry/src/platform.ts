import type { Descriptor, ImageIndex, Platform } from "./types.js";

/** The platform wanted from an index: os and architecture, optionally a variant. */
export interface PlatformSelector {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

const NODE_ARCH: Readonly<Record<string, string>> = {
  x64: "amd64",
  arm64: "arm64",
  arm: "arm",
  ia32: "386",
  ppc64: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
};

/** The OCI platform of a Node process (`process.platform`/`process.arch` in Go's naming). */
export function toOciPlatform(nodePlatform: string, nodeArch: string): PlatformSelector {
  return {
    os: nodePlatform === "win32" ? "windows" : nodePlatform,
    architecture: NODE_ARCH[nodeArch] ?? nodeArch,
  };
}

function normalisedVariant(p: {
  architecture: string;
  variant?: string | undefined;
}): string | undefined {
  if (p.architecture === "arm64" && (p.variant === undefined || p.variant === "v8")) return "v8";
  return p.variant;
}

/** Whether an index entry's platform satisfies the selector (arm64 without variant is v8). */
export function matchesPlatform(platform: Platform | undefined, want: PlatformSelector): boolean {
  if (platform === undefined) return false;
  if (platform.os !== want.os || platform.architecture !== want.architecture) return false;
  return want.variant === undefined || normalisedVariant(platform) === normalisedVariant(want);
}

/**
 * The manifest descriptor of an index (or Docker manifest list) for a platform, or
 * undefined. Attestation entries (`unknown/unknown`) never match. When no variant is asked
 * for, an entry without variant is preferred, then the first match.
 */
export function selectPlatform(
  index: Pick<ImageIndex, "manifests">,
  want: PlatformSelector,
): Descriptor | undefined {
  const matches = index.manifests.filter((d) => matchesPlatform(d.platform, want));
  if (want.variant !== undefined) return matches[0];
  return matches.find((d) => d.platform?.variant === undefined) ?? matches[0];
}
