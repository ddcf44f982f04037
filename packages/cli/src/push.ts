import { EventFlowError, isEventFlowError } from "@eventflow/protocol";
import {
  readOciLayout,
  type ImageManifest,
  type ImageIndex,
  type ImageReference,
  type RegistryClient,
} from "@eventflow/registry";
import { MediaType } from "./image/types.js";
import { unwrapSourceError } from "./output.js";
import type { Progress } from "./progress.js";

const INDEX_TYPES: readonly string[] = [MediaType.ociIndex, MediaType.dockerManifestList];

/**
 * Pushes an image from an OCI layout (what `eventflow build` writes by default) to a
 * registry: layers and configs (skipping present ones), per-platform manifests by digest,
 * then the top manifest or index under the target's tag.
 */
export async function pushFromLayout(options: {
  client: RegistryClient;
  dir: string;
  tag?: string | undefined;
  target: ImageReference;
  progress: Progress;
}): Promise<{ digest: string; mediaType: string }> {
  const { client, dir, target, progress } = options;
  let layout;
  let top;
  try {
    layout = await readOciLayout(dir);
    top = layout.resolve(options.tag);
  } catch (error) {
    if (!isEventFlowError(error)) throw error;
    const what = options.tag === undefined ? "an image" : `an image tagged ${options.tag}`;
    throw new EventFlowError(
      "BUILD_SOURCE_NOT_FOUND",
      `no ${what} in ${dir}: ${error.message} (run eventflow build first)`,
      { cause: error },
    );
  }
  const repo = { registry: target.registry, repository: target.repository };
  const read = async (digest: string) =>
    JSON.parse((await layout.readBlob(digest)).toString("utf8")) as unknown;
  const manifests: { digest: string; mediaType: string; json: ImageManifest }[] = [];
  if (INDEX_TYPES.includes(top.mediaType)) {
    for (const d of ((await read(top.digest)) as ImageIndex).manifests) {
      manifests.push({
        digest: d.digest,
        mediaType: d.mediaType,
        json: (await read(d.digest)) as ImageManifest,
      });
    }
  } else {
    manifests.push({
      digest: top.digest,
      mediaType: top.mediaType,
      json: (await read(top.digest)) as ImageManifest,
    });
  }
  const seen = new Set<string>();
  for (const m of manifests) {
    for (const [label, d] of [
      ["config", m.json.config] as const,
      ...m.json.layers.map((l) => ["layer", l] as const),
    ]) {
      if (seen.has(d.digest)) continue;
      seen.add(d.digest);
      const result = await client
        .pushBlob(
          repo,
          { digest: d.digest, size: d.size, open: () => layout.openBlob(d.digest, d.size) },
          { onProgress: (sent) => progress.blobBytes(label, d.digest, sent, d.size) },
        )
        .catch((error: unknown) => {
          throw unwrapSourceError(error);
        });
      progress.blobDone(label, d.digest, d.size, result.status);
    }
  }
  if (INDEX_TYPES.includes(top.mediaType)) {
    for (const m of manifests)
      await client.putManifest(
        { ...repo, digest: m.digest },
        { mediaType: m.mediaType, bytes: await layout.readBlob(m.digest) },
      );
  }
  const bytes = await layout.readBlob(top.digest);
  const put = await client.putManifest(
    { ...repo, tag: target.tag ?? "latest" },
    { mediaType: top.mediaType, bytes },
  );
  progress.blobDone(
    INDEX_TYPES.includes(top.mediaType) ? "index" : "manifest",
    put.digest,
    bytes.length,
    `tagged ${target.tag ?? "latest"}`,
  );
  return { digest: top.digest, mediaType: top.mediaType };
}
