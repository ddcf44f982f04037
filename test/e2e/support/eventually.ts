/** A failure that retrying cannot fix: {@link eventually} rethrows it at once. */
export class Fatal extends Error {}

/**
 * Polls `check` every 250 ms until it returns a value other than undefined/false; errors are
 * retried (the last one becomes the cause of the timeout) except {@link Fatal}.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (error) {
      if (error instanceof Fatal) throw error;
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}`, { cause: last });
}
