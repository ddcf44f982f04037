/**
 * One image model and one writer: an image is its root manifest or index and the source its
 * content is read from; `emit` writes it to any destination (a registry, an OCI layout, a
 * tarball). `build`, `push` and `deploy` all go through here.
 */
import {
  DEFAULT_TAG,
  EventFlowError,
  isEventFlowError,
  parseReference,
  type ImageReference,
  type RepositoryReference,
} from "@eventflow/protocol";
import {
  isIndexMediaType,
  layoutSource,
  MANIFEST_TYPES,
  pushImage,
  readOciLayout,
  walkImage,
  writeImageLayout,
  type ContentSource,
  type Descriptor,
  type RegistryClient,
  type TransferEvent,
} from "@eventflow/registry";
import { Label } from "./image/config.js";
import type { Progress } from "./progress.js";
import { buildTarballMembers, writeTarball } from "./tarball.js";

/** An image: its root manifest or index and where its manifests and blobs are read. */
export interface Image {
  readonly root: Descriptor;
  readonly source: ContentSource;
  /** Progress labels of blobs by digest (`base`, `app`); the others are named by media type. */
  readonly labels?: ReadonlyMap<string, string>;
}

/** Where {@link emit} writes an image. */
export type Destination =
  | {
      readonly kind: "registry";
      readonly client: RegistryClient;
      /** Its tag (default `latest`) receives the root. */
      readonly target: ImageReference;
    }
  | { readonly kind: "oci"; readonly dir: string; readonly tag: string }
  | {
      readonly kind: "tar";
      readonly file: string;
      /** `REPO:TAG` for docker's manifest.json and the index entry. */
      readonly repoTag?: string | undefined;
      /** The platform docker's manifest.json lists, by architecture (default the first). */
      readonly architecture?: string | undefined;
    };

function labelOf(image: Image, d: { digest: string; mediaType: string }): string {
  const known = image.labels?.get(d.digest);
  if (known !== undefined) return known;
  if (isIndexMediaType(d.mediaType)) return "index";
  if (MANIFEST_TYPES.includes(d.mediaType)) return "manifest";
  return d.mediaType.includes("config") ? "config" : "layer";
}

/**
 * Writes `image` to `destination`. A registry gets only what it lacks (blobs it has are
 * skipped, base layers mounted from the base's repository on the same registry, nothing at all
 * when the tag already names the image), several blobs at once.
 */
export async function emit(
  image: Image,
  destination: Destination,
  progress: Progress,
): Promise<void> {
  if (destination.kind === "registry") {
    const tag = destination.target.tag ?? DEFAULT_TAG;
    const labels = new Map<string, string>();
    const onEvent = (e: TransferEvent) => {
      if (e.type === "blob-start") labels.set(e.digest, labelOf(image, e));
      else if (e.type === "blob-progress")
        progress.blobBytes(labels.get(e.digest) ?? "layer", e.digest, e.bytes, e.size);
      else if (e.type === "blob-done")
        progress.blobDone(labelOf(image, e), e.digest, e.size, e.status);
      else if (e.digest !== image.root.digest)
        progress.blobDone("manifest", e.digest, e.size, "put");
      else
        progress.blobDone(
          labelOf(image, e),
          e.digest,
          e.size,
          `${e.unchanged === true ? "unchanged" : "tagged"} ${tag}`,
        );
    };
    await pushImage({
      client: destination.client,
      source: image.source,
      root: image.root,
      to: destination.target,
      skipUnchanged: true,
      onEvent,
    });
    return;
  }
  if (destination.kind === "oci") {
    const { parts } = await writeImageLayout({
      ...image,
      dir: destination.dir,
      tag: destination.tag,
    });
    for (const d of [...parts.blobs, ...parts.manifests.map((m) => m.descriptor)])
      progress.blobDone(labelOf(image, d), d.digest, d.size, "written");
    return;
  }
  const parts = await walkImage(image.source, image.root);
  await writeTarball(
    destination.file,
    buildTarballMembers({
      root: image.root,
      parts,
      open: (d) => image.source.openBlob(d.digest, d.size),
      repoTag: destination.repoTag,
      architecture: destination.architecture,
    }),
  );
}

/** The repository of the base an EventFlow image names in its annotations, if on a registry. */
function baseRepositoryOf(annotations: unknown): RepositoryReference | undefined {
  const name = (annotations as Record<string, string> | undefined)?.[Label.baseName];
  if (name === undefined) return undefined;
  try {
    const { registry, repository } = parseReference(name);
    return { registry, repository };
  } catch {
    return undefined;
  }
}

/**
 * The image tagged `tag` (or the only one) in the OCI layout `dir`. Its base layers can be
 * mounted from the base's repository when it is pushed to the base's registry.
 */
export async function openLayoutImage(dir: string, tag: string | undefined): Promise<Image> {
  try {
    const layout = await readOciLayout(dir);
    const root = layout.resolve(tag);
    const source = layoutSource(layout);
    const json = JSON.parse((await source.readManifest(root.digest)).toString("utf8")) as {
      annotations?: unknown;
    };
    const mountFrom = baseRepositoryOf(json.annotations);
    return { root, source: mountFrom === undefined ? source : { ...source, mountFrom } };
  } catch (error) {
    if (!isEventFlowError(error)) throw error;
    const what = tag === undefined ? "an image" : `an image tagged ${tag}`;
    throw new EventFlowError(
      "BUILD_SOURCE_NOT_FOUND",
      `no ${what} in ${dir}: ${error.message} (run eventflow build first)`,
      { cause: error },
    );
  }
}
