export {
  createRegistryClient,
  type BlobDownload,
  type FetchedManifest,
  type ImageInput,
  type PushBlobOptions,
  type RegistryClient,
  type RegistryClientOptions,
  type RepositoryInput,
} from "./client.js";
export type { BlobSource } from "./upload.js";
export {
  chainCredentials,
  configKeyHost,
  credentialsFromDockerConfig,
  dockerConfigCredentials,
  dockerConfigDir,
  isCredentialSource,
  runCredentialHelper,
  staticCredentials,
  type CredentialSource,
  type Credentials,
  type DockerAuthEntry,
  type DockerConfigCredentialOptions,
  type DockerConfigFile,
  type DockerConfigLookupOptions,
} from "./credentials.js";
export { parseChallenge, mergeScopes, type Challenge } from "./auth.js";
export { backoffDelay, toRetryPolicy, type RetryOptions, type RetryPolicy } from "./retry.js";
export { isLoopbackRegistry, registryHost } from "./transport.js";
export {
  fromRegistryResponse,
  fromTokenResponse,
  fromTransportError,
  parseRegistryErrors,
  sourceErrorOf,
  transportErrorCode,
  type RegistryErrorContext,
  type RegistryErrorEntry,
} from "./errors.js";
export { isDigest, parseDigest, sha256Digest, verifyChunks } from "./digest.js";
export {
  DOCKER_CONFIG,
  DOCKER_FOREIGN_LAYER_GZIP,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  IMAGE_MANIFEST_TYPES,
  INDEX_MANIFEST_TYPES,
  MANIFEST_TYPES,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE_GZIP,
  OCI_LAYER_ZSTD,
  OCI_MANIFEST,
  isImageManifestMediaType,
  isIndexMediaType,
} from "./media-types.js";
export {
  REF_NAME_ANNOTATION,
  readOciLayout,
  writeOciLayout,
  type LayoutBlob,
  type OciLayout,
} from "./oci-layout.js";
export {
  matchesPlatform,
  selectPlatform,
  toOciPlatform,
  type PlatformSelector,
} from "./platform.js";
export type { Descriptor, ImageIndex, ImageManifest, Platform } from "./types.js";
export {
  combineSources,
  layoutSource,
  memorySource,
  registrySource,
  type ContentSource,
} from "./content.js";
export { walkImage, type ImageManifestEntry, type ImageParts } from "./image-parts.js";
export {
  pullImage,
  pushImage,
  pushOciLayout,
  writeImageLayout,
  type BlobStatus,
  type LayoutWriteResult,
  type WriteImageLayoutOptions,
  type PullImageOptions,
  type PushImageOptions,
  type TransferEvent,
  type TransferResult,
} from "./transfer.js";
