import { open } from "node:fs/promises";

// The DiscourseConnect secret is read from a file only readable by its owner: never a flag or an
// environment variable (visible in `ps` and /proc/<pid>/environ), never logged, never in a response.

export class SecretFileError extends Error {
  override readonly name = "SecretFileError";
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`--discourse-connect-secret-file ${file}: ${reason}`);
  }
}

/** Discourse asks for at least 10 characters for its own DiscourseConnect secret. */
const MIN_SECRET_CHARS = 10;

export async function readSecretFile(file: string): Promise<string> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    throw new SecretFileError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`);
  }
  try {
    // Checked on the opened file, so it is the mode of the very file read.
    const { mode } = await handle.stat();
    if ((mode & 0o077) !== 0) {
      const octal = (mode & 0o777).toString(8).padStart(4, "0");
      throw new SecretFileError(file, `is mode ${octal}; it must be readable by its owner only: chmod 600 ${file}`);
    }
    const secret = (await handle.readFile("utf8")).replace(/\r?\n$/, "");
    if (secret.length < MIN_SECRET_CHARS || /[\r\n]/.test(secret)) {
      throw new SecretFileError(file, `must hold one line of at least ${MIN_SECRET_CHARS} characters (the secret set on the forum)`);
    }
    return secret;
  } finally {
    await handle.close();
  }
}
