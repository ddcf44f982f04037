import type { RegistryClient } from "@eventflow/registry";
import { ensureAppExtracted } from "./app-cache.js";
import type { ResolvedApp } from "./function-supervisor.js";
import { openImageSource } from "./image-source.js";
import { resolveImage } from "./resolve-image.js";

/**
 * Resolves an image reference to an extracted app: manifest and config checked, the app layer
 * extracted into the cache once per digest even when several functions ask at the same time.
 */
export function createAppResolver(deps: { cacheDir: string; client: () => RegistryClient }) {
  const extracting = new Map<string, Promise<string>>();
  return async function resolveApp(image: string): Promise<ResolvedApp> {
    const source = openImageSource(image, deps.client);
    const resolved = await resolveImage(source, image);
    const digest = resolved.appLayer.digest;
    let pending = extracting.get(digest);
    if (!pending) {
      pending = ensureAppExtracted({
        cacheDir: deps.cacheDir,
        digest,
        mediaType: resolved.appLayer.mediaType,
        open: () => source.openBlob(resolved.appLayer),
      });
      extracting.set(digest, pending);
      const forget = () => extracting.delete(digest);
      pending.then(forget, forget);
    }
    const appDir = await pending;
    return {
      appDir,
      manifestDigest: resolved.manifestDigest,
      layerDigest: digest,
      env: resolved.env,
    };
  };
}
