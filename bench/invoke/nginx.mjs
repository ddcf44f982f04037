// The nginx arm: Debian's nginx with `worker_processes 1` and an upstream keep-alive pool of 64,
// as performance.md (b) prescribes, under its own prefix (no system files touched).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPLICA_KEY_HEADER } from "@eventflow/protocol";

/**
 * Writes nginx.conf under `prefix` and returns `[cmd, args]` to run it in the foreground.
 * `replicaKey`: the local driver's replica key, added to every proxied request as the
 * controller adds it (a replica answers 403 without it).
 */
export function nginxCommand({ prefix, port, upstream, replicaKey, single = false }) {
  for (const d of ["tmp", "logs"]) mkdirSync(join(prefix, d), { recursive: true });
  const { host } = new URL(upstream);
  const conf = `
worker_processes 1;
daemon off;
${single ? "master_process off;" : ""}
pid ${prefix}/nginx.pid;
error_log ${prefix}/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  upstream fn {
    server ${host};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://fn;
      proxy_http_version 1.1;
      proxy_set_header Connection "";${
        replicaKey ? `\n      proxy_set_header ${REPLICA_KEY_HEADER} "${replicaKey}";` : ""
      }
    }
  }
}
`;
  const file = join(prefix, "nginx.conf");
  writeFileSync(file, conf);
  return ["nginx", ["-p", prefix, "-e", join(prefix, "logs/error.log"), "-c", file]];
}

/** The worker pids of an nginx master (its children). */
export function nginxWorkers(masterPid) {
  try {
    return readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}
