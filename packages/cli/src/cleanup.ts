import { readdir, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * Output paths of the running command. Writers put their bytes in temp names beside the
 * target (`.NAME.tmp-*`) and inside an existing layout (`blobs/ALG/.HEX.tmp-*`), then rename;
 * an interrupted command removes those temp names so nothing half-written stays behind.
 */
const outputs = new Set<string>();

/** Records an output path (a tarball or an OCI layout directory) before writing to it. */
export function trackOutput(path: string): void {
  outputs.add(path);
}

async function removeTemps(dir: string, prefix: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((n) => n.startsWith(prefix) && n.includes(".tmp"))
      .map((n) => rm(join(dir, n), { recursive: true, force: true })),
  );
}

/** Removes the temp files of every tracked output (called on SIGINT). */
export async function removeTempOutputs(): Promise<void> {
  await Promise.all(
    [...outputs].map(async (path) => {
      await removeTemps(dirname(path), `.${basename(path)}.`);
      await removeTemps(join(path, "blobs", "sha256"), ".");
      await removeTemps(path, "index.json.");
      await removeTemps(path, "oci-layout.");
    }),
  );
}
