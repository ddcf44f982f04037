// Test certificates made with the real openssl at test time: a CA and a server
// certificate for the registry's TLS, and a self-signed key pair for signing tokens.
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Paths and PEM text of the TLS material for a registry on 127.0.0.1. */
export interface TlsFiles {
  readonly caPem: string;
  readonly caPath: string;
  readonly certPath: string;
  readonly keyPath: string;
}

/** Makes a CA and a server certificate for 127.0.0.1 and localhost under `dir`. */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  const caPath = join(dir, "ca.pem");
  const caKey = join(dir, "ca.key");
  const keyPath = join(dir, "server.key");
  const csr = join(dir, "server.csr");
  const certPath = join(dir, "server.pem");
  const ext = join(dir, "server.ext");
  await run("openssl", [
    "req",
    "-x509",
    ...EC,
    "-keyout",
    caKey,
    "-out",
    caPath,
    "-days",
    "2",
    "-subj",
    "/CN=eventflow-test-ca",
  ]);
  await run("openssl", ["req", ...EC, "-keyout", keyPath, "-out", csr, "-subj", "/CN=127.0.0.1"]);
  await writeFile(
    ext,
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
  );
  await run("openssl", [
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    caPath,
    "-CAkey",
    caKey,
    "-CAcreateserial",
    "-out",
    certPath,
    "-days",
    "2",
    "-extfile",
    ext,
  ]);
  return { caPem: await readFile(caPath, "utf8"), caPath, certPath, keyPath };
}

/** A self-signed ES256 key pair whose certificate the registry trusts (`rootcertbundle`). */
export interface SigningFiles {
  readonly keyPem: string;
  readonly certPath: string;
  /** The certificate as base64 DER, for the JWT `x5c` header. */
  readonly certDerBase64: string;
}

/** Makes the token-signing key and its self-signed certificate under `dir`. */
export async function makeSigningFiles(dir: string): Promise<SigningFiles> {
  const keyPath = join(dir, "token.key");
  const certPath = join(dir, "token.pem");
  await run("openssl", [
    "req",
    "-x509",
    ...EC,
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-days",
    "2",
    "-subj",
    "/CN=eventflow-test-token-issuer",
  ]);
  const pem = await readFile(certPath, "utf8");
  const certDerBase64 = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
  return { keyPem: await readFile(keyPath, "utf8"), certPath, certDerBase64 };
}
