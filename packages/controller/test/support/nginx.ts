/** Debian's nginx as a real reverse proxy in front of a test app (default proxy buffering on). */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running nginx. */
export interface TestNginx {
  readonly url: string;
  close(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts nginx proxying everything to `upstream` (e.g. `http://127.0.0.1:1234`). */
export async function startNginx(upstream: string): Promise<TestNginx> {
  const prefix = await mkdtemp(join(tmpdir(), "eventflow-nginx-"));
  await mkdir(join(prefix, "logs"));
  const port = await freePort();
  const conf = [
    "master_process off;",
    "daemon off;",
    `pid ${prefix}/nginx.pid;`,
    `error_log ${prefix}/logs/error.log warn;`,
    "events { worker_connections 256; }",
    "http {",
    "  access_log off;",
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map(
      (t) => `  ${t}_temp_path ${prefix}/${t};`,
    ),
    "  server {",
    `    listen 127.0.0.1:${port};`,
    "    location / {",
    `      proxy_pass ${upstream};`,
    "      proxy_http_version 1.1;",
    '      proxy_set_header Connection "";',
    "      proxy_read_timeout 60s;",
    "    }",
    "  }",
    "}",
  ].join("\n");
  await writeFile(join(prefix, "nginx.conf"), conf);
  const child = spawn(
    "nginx",
    ["-p", prefix, "-e", join(prefix, "logs/error.log"), "-c", join(prefix, "nginx.conf")],
    {
      stdio: "ignore",
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await fetch(`${url}/healthz`);
      break;
    } catch (error) {
      if (Date.now() > deadline || child.exitCode !== null) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    async close() {
      child.kill("SIGTERM");
      await exited;
      await rm(prefix, { recursive: true, force: true });
    },
  };
}
