import { EventFlowError } from "@eventflow/protocol";
import { createOciLayoutSource, type ImageContentSource } from "./oci-layout.js";

/**
 * Opens the content source of an image: `oci:DIR[:tag]` is an OCI layout directory, anything
 * else a registry reference.
 */
export function openImageSource(image: string): ImageContentSource {
  if (image.startsWith("oci:")) {
    const rest = image.slice(4);
    const colon = rest.lastIndexOf(":");
    const tagged = colon > 0 && !rest.slice(colon + 1).includes("/");
    return tagged
      ? createOciLayoutSource(rest.slice(0, colon), rest.slice(colon + 1))
      : createOciLayoutSource(rest);
  }
  throw new EventFlowError(
    "FUNCTION_IMAGE_NOT_FOUND",
    `registry images are not supported yet: ${image}`,
  );
}
