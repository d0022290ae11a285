/** Public stream names: used in URLs and the keys file, so a strict ASCII subset. */
export const STREAM_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

export function isValidStreamName(name: string): boolean {
  return STREAM_NAME_PATTERN.test(name);
}

export const STREAM_NAME_RULE = "1-64 letters, digits, '_' or '-', starting with a letter or digit";
