import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

export interface TestCertificate {
  certFile: string;
  keyFile: string;
  /** PEM of the certificate, to trust it in Node clients. */
  cert: Buffer;
}

/** A self-signed P-256 certificate for 127.0.0.1 and localhost, valid for a day, written into `dir`. */
export async function selfSignedCertificate(dir: string): Promise<TestCertificate> {
  const certFile = path.join(dir, "cert.pem");
  const keyFile = path.join(dir, "key.pem");
  // prettier-ignore
  await promisify(execFile)("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "-keyout", keyFile, "-out", certFile,
  ], { timeout: 10_000 });
  return { certFile, keyFile, cert: await readFile(certFile) };
}
