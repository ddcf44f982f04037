// The tenants' replica uids are stored state like the database: a file edited or damaged by
// hand (root's uid, a uid outside the configured range, one uid for two tenants) must not
// decide which user a replica runs as.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createReplicaUsers } from "../../src/drivers/local/replica-users.js";
import { tempDir } from "./helpers/driver-harness.js";

describe("stored replica uids", () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  const range = { first: 5000, count: 10 };

  beforeAll(async () => {
    dir = await tempDir("replica-users-state");
  });
  afterAll(async () => {
    await dir.cleanup();
  });

  it("keeps good entries and gives every other tenant a uid of its own from the range", () => {
    const file = join(dir.path, "replica-users.json");
    writeFileSync(
      file,
      JSON.stringify({
        kept: 5003,
        root: 0,
        outside: 70000,
        first: 5001,
        second: 5001,
        text: "5002",
        fraction: 5004.5,
      }),
    );
    const users = createReplicaUsers(file, range);
    expect(users.userFor("kept")).toEqual({ uid: 5003, gid: 5003 });
    expect(users.userFor("first").uid).toBe(5001);
    const uids = ["kept", "root", "outside", "first", "second", "text", "fraction"].map(
      (t) => users.userFor(t).uid,
    );
    for (const uid of uids) {
      expect(uid).toBeGreaterThanOrEqual(range.first);
      expect(uid).toBeLessThan(range.first + range.count);
    }
    expect(new Set(uids).size).toBe(uids.length);
    // What was assigned again is what the next start reads.
    const again = createReplicaUsers(file, range);
    expect(
      ["kept", "root", "outside", "first", "second", "text", "fraction"].map(
        (t) => again.userFor(t).uid,
      ),
    ).toEqual(uids);
  });
});
