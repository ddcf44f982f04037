import { afterEach, describe, expect, it } from "vitest";
import type { SplitLine } from "../../src/drivers/line-splitter.js";
import {
  startReplicaProcess,
  type ReplicaProcess,
} from "../../src/drivers/local/replica-process.js";

const MiB = 1024 * 1024;

// A real child process that writes 1 MiB chunks with no newline (then one short line) and
// stays alive: its output must arrive while it runs, in parts of at most 16 KiB.
const FLOOD = `
const chunk = Buffer.alloc(${MiB}, "x");
let left = Number(process.argv[1]);
const next = () => {
  if (left-- === 0) return process.stdout.write("é end\\n");
  process.stdout.write(chunk, next);
};
next();
setInterval(() => {}, 1000);
`;

describe("replica output", () => {
  let proc: ReplicaProcess | undefined;
  afterEach(async () => {
    await proc?.stop(1000);
  });

  it("cuts a line that never ends into 16 KiB parts while the process still writes", async () => {
    const chunks = 24;
    const lines: SplitLine[] = [];
    let bytes = 0;
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => (done = resolve));
    proc = startReplicaProcess({
      replica: "flood-0",
      nodePath: process.execPath,
      args: ["-e", FLOOD, String(chunks)],
      cwd: process.cwd(),
      env: {},
      port: 0,
      onLine: (stream, line) => {
        if (stream !== "stdout") return;
        bytes += Buffer.byteLength(line.line);
        // Keep only the shape of the parts: holding 24 MiB of strings is what is under test.
        lines.push({
          line: line.line.length > 16 ? line.line.slice(-16) : line.line,
          partial: line.partial,
        });
        if (!line.partial && line.line.endsWith("end")) done();
        else if (Buffer.byteLength(line.line) > 16 * 1024) done();
      },
    });
    const heapBefore = process.memoryUsage().heapUsed;
    await finished;
    expect(proc.isRunning()).toBe(true);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * MiB);
    const last = lines.at(-1)!;
    expect(last).toEqual({ line: "é end", partial: false });
    expect(lines.slice(0, -1).every((l) => l.partial)).toBe(true);
    // Every byte arrived: nothing was cut off, only split.
    expect(bytes).toBe(chunks * MiB + Buffer.byteLength("é end"));
    expect(lines.length).toBe(Math.ceil((chunks * MiB + 6) / (16 * 1024)));
  });
});
