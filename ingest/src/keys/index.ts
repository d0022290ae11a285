export { fingerprint, generateKey, looksLikeKey } from "./key-material.js";
export { KeysFileError, type KeyEntry, type KeysFileContent } from "./keys-file.js";
export { InvalidStreamNameError, KeyStore, type AddedKey } from "./key-store.js";
export { isValidStreamName, STREAM_NAME_PATTERN, STREAM_NAME_RULE } from "./stream-name.js";
export { RevocationWatch, type KeyedPublish, type RevocationWatchOptions } from "./revocation-watch.js";
