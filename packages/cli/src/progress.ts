/** Where build and push report what they do; results never go through here. */
export interface Progress {
  /** A phase of the command, e.g. "bundled src/index.ts (55.7 kB)". */
  step(text: string): void;
  /** Bytes sent so far for one blob. */
  blobBytes(label: string, digest: string, sent: number, size: number): void;
  /** One blob finished: uploaded, already present, mounted from another repository, or written. */
  blobDone(label: string, digest: string, size: number, status: string): void;
}

/** A progress reporter that prints nothing (`--quiet`, tests). */
export const silentProgress: Progress = { step() {}, blobBytes() {}, blobDone() {} };

/** `12.3 kB`, `4.1 MB`: decimal units, as registries and docker print sizes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

const short = (digest: string) => digest.replace(/^sha256:/, "").slice(0, 12);

/**
 * Progress lines on a stream (stderr). On a terminal, byte counts of running uploads are
 * redrawn in place (a bar per blob); otherwise only finished blobs are printed.
 */
export function createStreamProgress(
  stream: NodeJS.WritableStream,
  options: { interactive: boolean },
): Progress {
  let lastDraw = 0;
  let drawn = false;
  const clear = () => {
    if (drawn) stream.write("\r\x1b[2K");
    drawn = false;
  };
  return {
    step(text) {
      clear();
      stream.write(`${text}\n`);
    },
    blobBytes(label, digest, sent, size) {
      if (!options.interactive) return;
      const now = Date.now();
      if (now - lastDraw < 100 && sent < size) return;
      lastDraw = now;
      const width = 24;
      const filled = size === 0 ? width : Math.min(width, Math.round((sent / size) * width));
      clear();
      stream.write(
        `  ${label.padEnd(8)} ${short(digest)} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${formatBytes(sent)}/${formatBytes(size)}`,
      );
      drawn = true;
    },
    blobDone(label, digest, size, status) {
      clear();
      stream.write(
        `  ${label.padEnd(8)} ${short(digest)} ${formatBytes(size).padStart(9)}  ${status}\n`,
      );
    },
  };
}
