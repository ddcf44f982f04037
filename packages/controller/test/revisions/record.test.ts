import { describe, expect, it } from "vitest";
import type { RevisionStore, StoredRevision } from "../../src/drivers/driver.js";
import { pinnedDigest, recordRevision } from "../../src/revisions/record.js";

const DIGEST = `sha256:${"ab".repeat(32)}`;

/** A revision store in memory, knowing `known` as the function's resolved digest. */
function memoryStore(known?: string): RevisionStore & { rows: StoredRevision[] } {
  const rows: StoredRevision[] = [];
  return {
    rows,
    list: async () => [...rows].sort((a, b) => b.number - a.number),
    add: async (r) => (rows.some((x) => x.number === r.number) ? false : (rows.push(r), true)),
    remove: async (_t, _n, numbers) => {
      for (const n of numbers)
        rows.splice(
          rows.findIndex((r) => r.number === n),
          1,
        );
    },
    digest: () => known,
  };
}

const record = (store: RevisionStore, image: string, referenced?: number[], limit = 1) =>
  recordRevision(store, {
    spec: { tenant: "acme", name: "hello", image, replicas: 1, revisionHistoryLimit: limit },
    createdBy: "alice",
    now: new Date("2026-12-06T00:00:00Z"),
    ...(referenced === undefined ? {} : { referenced }),
  });

describe("recordRevision", () => {
  it("records the digest an image reference is pinned to when the driver knows none", async () => {
    const store = memoryStore();
    expect((await record(store, `registry.example/hello@${DIGEST}`))?.digest).toBe(DIGEST);
    expect((await record(store, "registry.example/hello:2"))?.digest).toBeUndefined();
    // The driver's own answer wins (the local driver resolves tags itself).
    const local = memoryStore(`sha256:${"cd".repeat(32)}`);
    expect((await record(local, "registry.example/hello:2"))?.digest).toBe(local.digest("", ""));
  });

  it("keeps a revision the traffic names past revisionHistoryLimit", async () => {
    const store = memoryStore();
    await record(store, "registry.example/hello:1");
    await record(store, "registry.example/hello:2", [1]);
    await record(store, "registry.example/hello:3", [1]);
    expect(store.rows.map((r) => r.number).sort()).toEqual([1, 3]);
  });

  it.each([
    ["registry.example/hello:1", undefined],
    [`registry.example/hello:1@${DIGEST}`, DIGEST],
    ["oci:/tmp/layout:v1", undefined],
    ["not a reference@@", undefined],
  ])("pinnedDigest(%s) is %s", (image, digest) => {
    expect(pinnedDigest(image)).toBe(digest);
  });
});
