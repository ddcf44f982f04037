// Reproducible builds: the same digest whatever the time, TZ, umask, cwd, locale and source
// mtimes, and SOURCE_DATE_EPOCH as the image's creation time. Base: node + its libraries
// (test/cli/base-image.ts) from Debian's docker-registry on 127.0.0.1.
import { utimes } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEventflow } from "../../../../test/cli/index.ts";
import { skopeo, type TestRegistry } from "../../../../test/registry/index.ts";
import { HELLO_HANDLER, makeProject, removeProjects } from "../helpers.ts";
import { startBaseRegistry } from "./registry-support.ts";

let registry: TestRegistry;

beforeAll(async () => {
  ({ registry } = await startBaseRegistry());
}, 120_000);

afterAll(async () => {
  await removeProjects();
  await registry?.stop();
});

describe("reproducibility", () => {
  it("gives the same digest whatever the time, TZ, umask, cwd, locale and source mtimes", async () => {
    const dir = await makeProject({
      "src/index.ts": HELLO_HANDLER,
      "package.json": JSON.stringify({ name: "repro", type: "module" }),
    });
    const args = [
      "build",
      dir,
      "--base",
      `${registry.host}/base/node:multi`,
      "--output",
      `oci:${dir}/out`,
      "--json",
      "-q",
    ];
    const first = await runEventflow(args, {
      cwd: "/",
      umask: 0o022,
      env: { TZ: "UTC", LANG: "C" },
    });
    await new Promise((r) => setTimeout(r, 1100));
    await utimes(join(dir, "src/index.ts"), new Date(), new Date("2001-02-03T04:05:06Z"));
    const other = await makeProject({});
    const second = await runEventflow(args, {
      cwd: other,
      umask: 0o077,
      env: { TZ: "Pacific/Chatham", LANG: "de_DE.UTF-8" },
    });
    expect(first.code, first.stderr).toBe(0);
    expect(second.code, second.stderr).toBe(0);
    expect(second.json?.digest).toBe(first.json?.digest);

    const epoch = { SOURCE_DATE_EPOCH: "1700000000" };
    const a = await runEventflow(args, { env: { ...epoch, TZ: "UTC" } });
    const b = await runEventflow(args, { env: { ...epoch, TZ: "Asia/Kolkata" }, umask: 0o027 });
    expect(a.json?.digest).toBe(b.json?.digest);
    expect(a.json?.digest).not.toBe(first.json?.digest);
    const config = JSON.parse(await skopeo(["inspect", "--config", `oci:${dir}/out:repro`])) as {
      created: string;
    };
    expect(config.created).toBe("2023-11-14T22:13:20Z");
  });
});
