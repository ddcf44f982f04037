// Secret values at rest: sealed under a key from its own 0600 file, bound to their place, and a
// key file that is missing, emptied, damaged, a link or readable by others stops the controller
// instead of being replaced (a new key would lose every stored secret).
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretBox, loadSecretKey } from "../../src/drivers/local/secret-box.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "eventflow-secret-box-"));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("createSecretBox", () => {
  const box = createSecretBox(randomBytes(32));
  const plain = Buffer.from("postgres://u:hunter2@db/app");

  it("opens what it sealed, and the sealed bytes do not contain the value", () => {
    const sealed = box.seal(plain, "acme/db/url");
    expect(sealed.includes(plain)).toBe(false);
    expect(sealed.includes(Buffer.from("hunter2"))).toBe(false);
    expect(box.open(sealed, "acme/db/url")).toEqual(plain);
    // A fresh IV each time: the same value never seals to the same bytes.
    expect(box.seal(plain, "acme/db/url").equals(sealed)).toBe(false);
  });

  it("a value moved to another tenant, secret or key does not open", () => {
    const sealed = box.seal(plain, "acme/db/url");
    for (const place of ["other/db/url", "acme/db2/url", "acme/db/password"])
      expect(() => box.open(sealed, place)).toThrow(
        expect.objectContaining({ code: "LOCAL_SECRET_UNREADABLE" }),
      );
  });

  it("a flipped bit, a cut value and another key are told apart", () => {
    const sealed = box.seal(plain, "p");
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1]! ^= 1;
    expect(() => box.open(flipped, "p")).toThrow(/damaged or was moved/);
    expect(() => box.open(sealed.subarray(0, 10), "p")).toThrow(/is damaged/);
    const other = createSecretBox(randomBytes(32));
    expect(() => other.open(sealed, "p")).toThrow(
      new RegExp(`sealed with key ${box.keyId}, but the key file holds key ${other.keyId}`),
    );
  });
});

describe("loadSecretKey", () => {
  it("creates a 0600 key file once, then reads the same key; no temporary file is left", async () => {
    const path = join(dir, "created.key");
    const key = await loadSecretKey(path, { create: true });
    expect(key).toHaveLength(32);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await loadSecretKey(path, { create: true })).toEqual(key);
    expect(await loadSecretKey(path, { create: false })).toEqual(key);
    expect((await readdir(dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it.each<[string, (path: string) => Promise<void>, RegExp]>([
    ["missing while values were sealed", async () => {}, /is missing, but secrets were sealed/],
    ["emptied", (p) => writeFile(p, "", { mode: 0o600 }), /is empty: restore it/],
    ["damaged", (p) => writeFile(p, "not a key\n", { mode: 0o600 }), /is damaged/],
    [
      "too short",
      (p) => writeFile(p, `${randomBytes(16).toString("base64")}\n`, { mode: 0o600 }),
      /is damaged/,
    ],
    [
      "readable by others",
      async (p) => {
        await writeFile(p, `${randomBytes(32).toString("base64")}\n`);
        await chmod(p, 0o644);
      },
      /may be read by other users \(mode 644\): chmod 600 it/,
    ],
    [
      "a link",
      async (p) => {
        const real = `${p}.real`;
        await writeFile(real, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
        await symlink(real, p);
      },
      /is not a regular file/,
    ],
  ])("refuses a key file %s, and leaves it as it was", async (name, make, message) => {
    const path = join(dir, `${name.replaceAll(" ", "-")}.key`);
    await make(path);
    const before = await readFile(path).catch(() => undefined);
    // A missing file is made only when nothing was sealed; a bad one is never replaced.
    for (const create of name.startsWith("missing") ? [false] : [false, true])
      await expect(loadSecretKey(path, { create })).rejects.toMatchObject({
        code: "LOCAL_SECRET_KEY_INVALID",
        message: expect.stringMatching(message),
      });
    if (before !== undefined) expect(await readFile(path)).toEqual(before);
  });
});
