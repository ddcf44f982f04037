// A credential helper that prints without end is stopped, not buffered: a real helper
// program (a shell script on PATH) prints 2 MiB of blanks before valid JSON.
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCredentialHelper } from "../src/credentials.ts";

let bin: string;

beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), "eventflow-helper-"));
  const script = (body: string) => `#!/bin/sh\n[ "$1" = get ] || exit 2\nread -r server\n${body}\n`;
  await writeFile(
    join(bin, "docker-credential-chatty"),
    script(`head -c 2097152 /dev/zero | tr '\\0' ' '\nprintf '{"Username":"u","Secret":"s"}'`),
  );
  await writeFile(
    join(bin, "docker-credential-plain"),
    script(`printf '{"Username":"u","Secret":"s"}'`),
  );
  await chmod(join(bin, "docker-credential-chatty"), 0o755);
  await chmod(join(bin, "docker-credential-plain"), 0o755);
});

afterAll(async () => {
  await rm(bin, { recursive: true, force: true });
});

describe("runCredentialHelper output", () => {
  const env = () => ({ PATH: `${bin}:/usr/bin:/bin` });

  it("answers from a helper that prints a normal answer", async () => {
    expect(await runCredentialHelper("plain", "r.example", { env: env() })).toEqual({
      username: "u",
      password: "s",
    });
  });

  it("stops a helper that prints more than 1 MiB (CONFIG_INVALID)", async () => {
    await expect(runCredentialHelper("chatty", "r.example", { env: env() })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
    });
  });
});
