/**
 * `@eventflow/cli`: the `eventflow` command and the programmatic pieces behind it
 * (bundling, reproducible OCI image assembly, outputs).
 * @packageDocumentation
 */
export { runCli, exitCodeFor, EXIT } from "./cli.js";
export type { CliIo, CommandIo } from "./io.js";
export {
  buildCommand,
  pushCommand,
  createClient as createCommandRegistryClient,
  type BuildFlags,
  type PushFlags,
  type RegistryFlags,
} from "./commands.js";
export { connect, type Connection, type ConnectionFlags } from "./control/connect.js";
export { isUnchanged } from "./control/deploy-command.js";
export { silentProgress, type Progress } from "./progress.js";
export { toCommandIo } from "./io.js";
export { DEFAULT_BASE, DEFAULT_TAG, LOCAL_LAYOUT } from "./defaults.js";
export { parseCliEnvironment, type CliEnvironment } from "./config.js";
export { loadProject, PROJECT_FILE, type FunctionConfig, type ProjectConfig } from "./project.js";
export { parseProjectYaml } from "./project-schema.js";
export {
  bundleFunction,
  buildEntrySource,
  type BundleOptions,
  type BundleResult,
} from "./bundle.js";
export {
  buildFunctionImage,
  hostPlatform,
  toImage,
  type BuildFunctionOptions,
  type BuiltFunctionImage,
} from "./build.js";
export { resolveBase, type BaseSource } from "./base.js";
export { emit, openLayoutImage, type Destination, type Image } from "./emit.js";
export { withDefaultTag } from "@eventflow/protocol";
export { writeTarball, buildTarballMembers } from "./tarball.js";
export { initProject, TEMPLATES, type InitOptions } from "./init.js";
export { buildTar, type TarEntryInput } from "./image/tar.js";
export { buildAppLayer, buildLayer, gzipFixed, type BuiltLayer } from "./image/layer.js";
export {
  buildImageConfig,
  Label,
  IMAGE_USER,
  IMAGE_PORT,
  IMAGE_ENTRYPOINT,
} from "./image/config.js";
export { buildManifest, buildIndex } from "./image/manifest.js";
export { assembleImage, type AssembledImage, type ResolvedBase } from "./image/assemble.js";
export { MediaType, type Descriptor, type ImageConfig, type Platform } from "./image/types.js";
export { EVENTFLOW_VERSION } from "./version.js";
