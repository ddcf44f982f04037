/** OCI image manifest (`application/vnd.oci.image.manifest.v1+json`). */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** OCI image index (`application/vnd.oci.image.index.v1+json`). */
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
/** OCI image configuration blob. */
export const OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
/** Uncompressed OCI layer (a tar archive). */
export const OCI_LAYER = "application/vnd.oci.image.layer.v1.tar";
/** gzip-compressed OCI layer. */
export const OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
/** zstd-compressed OCI layer. */
export const OCI_LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
/** The OCI empty descriptor's media type (`{}` blob). */
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json";
/** Docker image manifest, schema 2. */
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
/** Docker manifest list (the Docker v2 counterpart of an OCI index). */
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
/** Docker image configuration blob. */
export const DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
/** gzip-compressed Docker layer. */
export const DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/** OCI non-distributable gzip layer (what a Docker foreign layer becomes in an OCI image). */
export const OCI_LAYER_NONDISTRIBUTABLE_GZIP =
  "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
/** Docker "foreign" (non-distributable) gzip layer. */
export const DOCKER_FOREIGN_LAYER_GZIP =
  "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

/** Manifest media types that describe one image (config + layers). */
export const IMAGE_MANIFEST_TYPES: readonly string[] = [OCI_MANIFEST, DOCKER_MANIFEST];
/** Manifest media types that list per-platform manifests. */
export const INDEX_MANIFEST_TYPES: readonly string[] = [OCI_INDEX, DOCKER_MANIFEST_LIST];
/** Every manifest media type the client understands, in its default `Accept` order. */
export const MANIFEST_TYPES: readonly string[] = [
  OCI_INDEX,
  DOCKER_MANIFEST_LIST,
  OCI_MANIFEST,
  DOCKER_MANIFEST,
];

/** Whether `mediaType` is an image index or a Docker manifest list. */
export function isIndexMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && INDEX_MANIFEST_TYPES.includes(mediaType);
}

/** Whether `mediaType` is a single-image manifest (OCI or Docker v2). */
export function isImageManifestMediaType(mediaType: string | undefined): boolean {
  return mediaType !== undefined && IMAGE_MANIFEST_TYPES.includes(mediaType);
}
