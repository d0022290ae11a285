// A test ingest that signs viewers in with a test forum: the secret in an owner-only file, the forum as the one allowed origin.
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../../proxy/support/shipped.js";
import { startTestIngest, type TestIngest } from "../e2e/support.js";

export interface SignInIngest {
  ingest: TestIngest;
  /** The ingest's origin, also its --public-url. */
  url: string;
  /** Holds the secret file; the caller removes it. */
  secretDir: string;
}

/** `secretFileText` is written as is (a test may add a trailing newline, as editors do). */
export async function startSignInIngest(forumUrl: string, secretFileText: string): Promise<SignInIngest> {
  const secretDir = await mkdtemp(path.join(tmpdir(), "connect-secret-"));
  const secretFile = path.join(secretDir, "secret");
  await writeFile(secretFile, secretFileText);
  await chmod(secretFile, 0o600);
  const url = `http://127.0.0.1:${await freePort()}`;
  // The forum and the ingest share the host (different ports): one site, so the cookie travels.
  const ingest = await startTestIngest([
    "--http-port",
    new URL(url).port,
    "--public-url",
    url,
    "--discourse-url",
    forumUrl,
    "--discourse-connect-secret-file",
    secretFile,
    "--allow-origin",
    forumUrl,
  ]);
  return { ingest, url, secretDir };
}
