import { ensureAppExtracted } from "./app-cache.js";
import type { ResolvedApp } from "./function-supervisor.js";
import { openImageSource } from "./image-source.js";
import { toPullError, type PullSession } from "./pull-client.js";
import { resolveImage } from "./resolve-image.js";

/**
 * Resolves an image reference to an extracted app: manifest and config checked, the app layer
 * extracted into the cache once per digest even when several functions ask at the same time.
 * Each registry pull gets its own session (fresh credentials), closed when the pull is done.
 */
export function createAppResolver(deps: { cacheDir: string; openSession: () => PullSession }) {
  const extracting = new Map<string, Promise<string>>();
  return async function resolveApp(image: string): Promise<ResolvedApp> {
    let session: PullSession | undefined;
    const source = openImageSource(image, () => (session ??= deps.openSession()).client);
    try {
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
    } catch (error) {
      throw toPullError(error, image, session?.credentialsFound() ?? false);
    } finally {
      await session?.close();
    }
  };
}
