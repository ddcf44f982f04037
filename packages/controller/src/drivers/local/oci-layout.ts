import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { EventFlowError } from "@eventflow/protocol";

/** A content descriptor, as far as the local driver needs it. */
export interface BlobDescriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly platform?: {
    readonly os: string;
    readonly architecture: string;
    readonly variant?: string;
  };
  readonly annotations?: Readonly<Record<string, string>>;
}

/** Where image content comes from: an OCI layout directory or a registry repository. */
export interface ImageContentSource {
  /** The top-level manifest or index for the reference's tag or digest. */
  rootDescriptor(): Promise<BlobDescriptor>;
  /** Raw bytes of a manifest, index or config by digest. */
  readJson(desc: BlobDescriptor): Promise<unknown>;
  /** A stream of a (layer) blob. */
  openBlob(desc: BlobDescriptor): Promise<Readable>;
}

function blobPath(dir: string, digest: string): string {
  const [alg, hex] = digest.split(":");
  if (!alg || !hex || !/^[a-z0-9]+$/.test(alg) || !/^[a-f0-9]+$/.test(hex)) {
    throw new EventFlowError("FUNCTION_IMAGE_UNSUPPORTED", `invalid digest ${digest}`);
  }
  return join(dir, "blobs", alg, hex);
}

function notFound(what: string, cause?: unknown): EventFlowError {
  return new EventFlowError("FUNCTION_IMAGE_NOT_FOUND", what, cause === undefined ? {} : { cause });
}

/**
 * Reads an OCI image layout directory (`oci-layout`, `index.json`, `blobs/<alg>/<hex>`).
 * `tag` picks the index entry whose `org.opencontainers.image.ref.name` matches; without a
 * tag the layout must hold exactly one entry (or one named `latest`).
 */
export function createOciLayoutSource(dir: string, tag?: string): ImageContentSource {
  return {
    async rootDescriptor() {
      let index: { manifests?: BlobDescriptor[] };
      try {
        index = JSON.parse(await readFile(join(dir, "index.json"), "utf8")) as {
          manifests?: BlobDescriptor[];
        };
      } catch (error) {
        throw notFound(`no OCI layout at ${dir}`, error);
      }
      const entries = index.manifests ?? [];
      const named = (t: string) =>
        entries.find((m) => m.annotations?.["org.opencontainers.image.ref.name"] === t);
      const found =
        tag !== undefined ? named(tag) : entries.length === 1 ? entries[0] : named("latest");
      if (!found) throw notFound(`tag ${tag ?? "(none)"} not found in the OCI layout at ${dir}`);
      return found;
    },
    async readJson(desc) {
      try {
        return JSON.parse(await readFile(blobPath(dir, desc.digest), "utf8")) as unknown;
      } catch (error) {
        if (error instanceof EventFlowError) throw error;
        throw notFound(`blob ${desc.digest} missing from the OCI layout at ${dir}`, error);
      }
    },
    async openBlob(desc) {
      const path = blobPath(dir, desc.digest);
      const stream = createReadStream(path);
      await new Promise<void>((resolve, reject) => {
        stream.once("open", () => resolve());
        stream.once("error", (error) =>
          reject(notFound(`blob ${desc.digest} missing from the OCI layout at ${dir}`, error)),
        );
      });
      return stream;
    },
  };
}
