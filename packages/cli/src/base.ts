import { EventFlowError, isEventFlowError, parseImageSource } from "@eventflow/protocol";
import {
  isIndexMediaType,
  layoutSource,
  memorySource,
  readOciLayout,
  registrySource,
  type ContentSource,
  type Descriptor,
  type ImageIndex,
  type ImageManifest,
  type RegistryClient,
} from "@eventflow/registry";
import { DEFAULT_BASE } from "./defaults.js";
import type { BasePlatformImage, ResolvedBase } from "./image/assemble.js";
import type { ImageConfig } from "./image/types.js";

/** A resolved base and where its manifests and blobs are read. */
export interface BaseSource {
  readonly base: ResolvedBase;
  /** A registry repository also lets its blobs be mounted within the same registry. */
  readonly source: ContentSource;
}

function notFound(text: string, cause: unknown): EventFlowError {
  const why = isEventFlowError(cause) ? `${cause.code}: ${cause.message}` : String(cause);
  return new EventFlowError(
    "BUILD_BASE_IMAGE_NOT_FOUND",
    `base image ${text} could not be read (${why})`,
    { cause },
  );
}

async function readJson(source: ContentSource, d: Descriptor, blob = false): Promise<unknown> {
  let bytes: Buffer;
  if (blob) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of source.openBlob(d.digest, d.size)) chunks.push(chunk);
    bytes = Buffer.concat(chunks);
  } else bytes = await source.readManifest(d.digest);
  return JSON.parse(bytes.toString("utf8")) as unknown;
}

async function resolveWith(
  source: ContentSource,
  top: { mediaType: string; digest: string; json: unknown },
  name: string | undefined,
): Promise<ResolvedBase> {
  const readImage = async (
    json: ImageManifest,
    platform?: Descriptor["platform"],
  ): Promise<BasePlatformImage> => {
    const config = (await readJson(source, json.config, true)) as ImageConfig;
    return {
      platform: platform ?? {
        architecture: config.architecture,
        os: config.os,
        ...(config.variant ? { variant: config.variant } : {}),
      },
      config,
      layers: json.layers,
    };
  };
  if (isIndexMediaType(top.mediaType)) {
    const wanted = (top.json as ImageIndex).manifests.filter(
      (d) => d.platform !== undefined && d.platform.os !== "unknown",
    );
    const images = await Promise.all(
      wanted.map(async (d) => readImage((await readJson(source, d)) as ImageManifest, d.platform)),
    );
    return { kind: "index", name, digest: top.digest, images };
  }
  return {
    kind: "manifest",
    name,
    digest: top.digest,
    images: [await readImage(top.json as ImageManifest)],
  };
}

/**
 * Resolves `--base`: `scratch`, `oci:DIR[:TAG]` (an OCI layout) or a registry reference.
 * The base is read, never written; any failure is BUILD_BASE_IMAGE_NOT_FOUND.
 */
export async function resolveBase(text: string, client: RegistryClient): Promise<BaseSource> {
  if (text === "scratch")
    return { base: { kind: "scratch", images: [] }, source: memorySource([]) };
  const parsed = parseImageSource(text);
  try {
    if (parsed.kind === "oci-layout") {
      const layout = await readOciLayout(parsed.dir);
      const top = layout.resolve(parsed.tag);
      const source = layoutSource(layout);
      const json = await readJson(source, top);
      // No name annotation for layouts: a local path would make the digest depend on the directory.
      return { base: await resolveWith(source, { ...top, json }, undefined), source };
    }
    const ref = parsed.reference;
    const top = await client.getManifest(ref);
    const source = registrySource(client, ref);
    return { base: await resolveWith(source, top, ref.toString()), source };
  } catch (error) {
    if (isEventFlowError(error) && error.code === "REGISTRY_UNREACHABLE") {
      const which = text === DEFAULT_BASE ? "the default base image" : "the base image";
      throw new EventFlowError(
        "BUILD_BASE_IMAGE_UNREACHABLE",
        `${which} ${text} could not be pulled: ${error.message}`,
        { cause: error, details: error.details },
      );
    }
    if (
      isEventFlowError(error) &&
      ["REGISTRY_UNAUTHORIZED", "REGISTRY_DENIED"].includes(error.code)
    ) {
      throw error;
    }
    throw notFound(text, error);
  }
}
