import {
  DOCKER_CONFIG,
  DOCKER_FOREIGN_LAYER_GZIP,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE_GZIP,
  OCI_MANIFEST,
} from "@eventflow/registry";
import type { Platform } from "@eventflow/registry";

export type { Descriptor, Platform } from "@eventflow/registry";

/** The media types EventFlow writes, and the Docker ones it reads from bases (named by @eventflow/registry). */
export const MediaType = {
  ociManifest: OCI_MANIFEST,
  ociIndex: OCI_INDEX,
  ociConfig: OCI_CONFIG,
  ociLayerGzip: OCI_LAYER_GZIP,
  ociLayerNondistributableGzip: OCI_LAYER_NONDISTRIBUTABLE_GZIP,
  dockerManifest: DOCKER_MANIFEST,
  dockerManifestList: DOCKER_MANIFEST_LIST,
  dockerConfig: DOCKER_CONFIG,
  dockerLayerGzip: DOCKER_LAYER_GZIP,
  dockerForeignLayerGzip: DOCKER_FOREIGN_LAYER_GZIP,
} as const;

/** The subset of an image config EventFlow reads from a base and writes back. */
export interface ImageConfig {
  readonly created?: string;
  readonly author?: string;
  readonly architecture: string;
  readonly os: string;
  readonly variant?: string;
  readonly "os.version"?: string;
  readonly "os.features"?: readonly string[];
  readonly config?: ContainerConfig;
  readonly rootfs: { readonly type: string; readonly diff_ids: readonly string[] };
  readonly history?: readonly HistoryEntry[];
  readonly [key: string]: unknown;
}

/** The `config` part of an image config (what a container engine runs). */
export interface ContainerConfig {
  readonly User?: string;
  readonly ExposedPorts?: Readonly<Record<string, object>>;
  readonly Env?: readonly string[];
  readonly Entrypoint?: readonly string[] | null;
  readonly Cmd?: readonly string[] | null;
  readonly WorkingDir?: string;
  readonly Labels?: Readonly<Record<string, string>> | null;
  readonly StopSignal?: string;
  readonly [key: string]: unknown;
}

/** One `history` entry of an image config. */
export interface HistoryEntry {
  readonly created?: string;
  readonly created_by?: string;
  readonly comment?: string;
  readonly empty_layer?: boolean;
  readonly [key: string]: unknown;
}

/** A serialised JSON document (manifest, index or config) with its digest. */
export interface Blob {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly bytes: Buffer;
}

/** The OCI media type for a layer of a base image (Docker layer types are renamed, bytes unchanged). */
export function toOciLayerMediaType(mediaType: string): string {
  switch (mediaType) {
    case MediaType.dockerLayerGzip:
      return MediaType.ociLayerGzip;
    case MediaType.dockerForeignLayerGzip:
      return MediaType.ociLayerNondistributableGzip;
    default:
      return mediaType;
  }
}

/** `linux/amd64`, `linux/arm/v7`: the usual text form of a platform. */
export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join("/");
}
