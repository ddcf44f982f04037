// A small token server implementing the distribution token flow for tests: it checks
// Basic credentials and issues real ES256 JWTs (x5c header) that the registry verifies.
import { randomUUID, sign } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { SigningFiles } from "./certs.ts";

/** One `access` claim entry of a registry token. */
export interface AccessEntry {
  readonly type: string;
  readonly name: string;
  readonly actions: string[];
}

/** Options of {@link startTokenServer}. */
export interface TokenServerOptions {
  readonly signing: SigningFiles;
  readonly issuer: string;
  readonly service: string;
  /** Accepted users and passwords. */
  readonly users: Readonly<Record<string, string>>;
  /** OAuth2 refresh tokens (docker identity tokens) and the user each stands for. */
  readonly refreshTokens?: Readonly<Record<string, string>>;
  /** Repositories for which no access is ever granted (the registry then refuses). */
  readonly deny?: readonly string[];
  /** Token lifetime in seconds (default 300). */
  readonly expiresIn?: number;
}

/** A running token server. */
export interface TokenServer {
  /** The realm URL to put in the registry config. */
  readonly realm: string;
  /** Every token request received, for assertions on caching. */
  readonly requests: { user: string | undefined; scopes: string[] }[];
  stop(): Promise<void>;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

/** Signs a distribution registry token (ES256, `x5c` header). */
export function signRegistryToken(
  opts: Pick<TokenServerOptions, "signing" | "issuer" | "service">,
  subject: string,
  access: AccessEntry[],
  expiresIn: number,
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: "JWT", alg: "ES256", x5c: [opts.signing.certDerBase64] };
  const claims = {
    iss: opts.issuer,
    sub: subject,
    aud: opts.service,
    exp: now + expiresIn,
    nbf: now - 10,
    iat: now,
    jti: randomUUID(),
    access,
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature = sign("sha256", Buffer.from(input), {
    key: opts.signing.keyPem,
    dsaEncoding: "ieee-p1363",
  });
  return `${input}.${b64url(signature)}`;
}

function parseScope(scope: string): AccessEntry | undefined {
  const parts = scope.split(":");
  if (parts.length < 3) return undefined;
  const actions = parts.pop()!.split(",").filter(Boolean);
  const type = parts.shift()!;
  return { type, name: parts.join(":"), actions };
}

/** Starts the token server on 127.0.0.1 with a free port. */
export async function startTokenServer(opts: TokenServerOptions): Promise<TokenServer> {
  const requests: TokenServer["requests"] = [];
  const refuse = (res: ServerResponse) =>
    res
      .writeHead(401, { "content-type": "application/json" })
      .end(JSON.stringify({ details: "invalid credentials" }));
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://token");
    let user: string | undefined;
    let scopes: string[];
    if (req.method === "POST") {
      // OAuth2 refresh-token grant (docker's identity tokens).
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      user = opts.refreshTokens?.[form.get("refresh_token") ?? ""];
      if (form.get("grant_type") !== "refresh_token" || user === undefined) return refuse(res);
      scopes = (form.get("scope") ?? "").split(" ").filter(Boolean);
    } else {
      const auth = req.headers.authorization;
      if (auth?.startsWith("Basic ")) {
        const decoded = Buffer.from(auth.slice(6), "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        const name = decoded.slice(0, colon);
        if (
          colon < 0 ||
          opts.users[name] === undefined ||
          opts.users[name] !== decoded.slice(colon + 1)
        ) {
          return refuse(res);
        }
        user = name;
      }
      scopes = url.searchParams.getAll("scope").flatMap((s) => s.split(" "));
    }
    requests.push({ user, scopes });
    const access = scopes
      .map(parseScope)
      .filter((a): a is AccessEntry => a !== undefined)
      .filter(() => user !== undefined)
      .filter((a) => !(a.type === "repository" && opts.deny?.includes(a.name)));
    const expiresIn = opts.expiresIn ?? 300;
    const token = signRegistryToken(opts, user ?? "", access, expiresIn);
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        token,
        access_token: token,
        expires_in: expiresIn,
        issued_at: new Date().toISOString(),
      }),
    );
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
