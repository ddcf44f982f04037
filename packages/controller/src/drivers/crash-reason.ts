/**
 * Why a replica died, from the tail of its stderr (pure). Node prints an uncaught exception as
 * the source excerpt (`file:line`, the source line, a caret line), a blank line, the error's
 * first line, its stack, and a `Node.js vX.Y.Z` footer: the last line is the footer, never the
 * reason a user needs.
 */

/** How many stderr lines a replica keeps for {@link crashReasonOf}. */
export const CRASH_TAIL_LINES = 40;

const FOOTER = /^Node\.js v\d+\.\d+\.\d+/;
const FRAME = /^\s+at\s/;
const CARET = /^\s*\^+\s*$/;
const NODE_HINT = /^\(Use `node --trace-/;

function isNoise(line: string): boolean {
  return line.trim() === "" || FOOTER.test(line) || NODE_HINT.test(line);
}

/**
 * The error line of a crash: after Node's source excerpt (the line under the caret), else the
 * line above the last stack, else the last meaningful line (a runtime's own JSON line, a
 * `process.exit` after a message). Undefined when stderr said nothing.
 */
export function crashReasonOf(tail: readonly string[]): string | undefined {
  const lines = tail.map((l) => l.replace(/\r$/, ""));
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!CARET.test(lines[i]!)) continue;
    const after = lines.slice(i + 1).find((l) => !isNoise(l) && !FRAME.test(l));
    if (after !== undefined) return after.trim();
    break;
  }
  const lastFrame = lines.findLastIndex((l) => FRAME.test(l));
  if (lastFrame >= 0) {
    let first = lastFrame;
    while (first > 0 && FRAME.test(lines[first - 1]!)) first--;
    const header = lines.slice(0, first).findLast((l) => !isNoise(l));
    if (header !== undefined) return header.trim();
  }
  return lines.findLast((l) => !isNoise(l))?.trim();
}
