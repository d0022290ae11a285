import { ACCESS_MODE_RULE, formatAccessMode, parseAccessMode } from "../access/access-mode.js";
import type { Config } from "../config.js";
import { LockHeldError } from "../disk/lock-file.js";
import { InvalidStreamNameError, KeysFileError, KeyStore } from "../keys/index.js";
import { parseRenditionList, RENDITION_LIST_RULE } from "../transcode/rendition-ladder.js";
import { obsInstructions, publicUrls } from "./public-urls.js";

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/**
 * `keys add <stream>`, `keys list`, `keys revoke <stream>`, `keys access <stream> <mode>`,
 * `keys renditions <stream> <list>|default`. Returns the exit code.
 */
export async function keysCommand(config: Config, args: readonly string[], io: Output): Promise<number> {
  const [action, ...rest] = args;
  const store = new KeyStore({ file: config.keys });
  const usage = (text: string) => {
    io.err(
      `error: ${text}\nusage: keys add <stream> | keys list | keys revoke <stream> | keys access <stream> ${ACCESS_MODE_RULE.split(" (")[0]} | keys renditions <stream> <list>|none|default`,
    );
    return EXIT_USAGE;
  };
  try {
    switch (action) {
      case "add": {
        if (rest.length !== 1) return usage("keys add takes exactly one stream name");
        const added = await store.add(rest[0]!);
        io.out(
          [
            `${added.replaced ? "Replaced the key" : "Created a key"} of stream "${added.stream}" (fingerprint ${added.fingerprint}) in ${config.keys}.`,
            ...(added.replaced
              ? ["The previous key no longer works; a running ingest ends a publish using it within about a second."]
              : []),
            "The key is shown only this once; only its hash is stored.",
            "",
            ...obsInstructions(publicUrls(config), added.stream, added.key),
          ].join("\n"),
        );
        return EXIT_OK;
      }
      case "list": {
        if (rest.length !== 0) return usage("keys list takes no arguments");
        const keys = await store.list();
        if (keys.length === 0) {
          io.out(`No keys in ${config.keys}.`);
          return EXIT_OK;
        }
        const width = Math.max(6, ...keys.map((k) => k.stream.length)) + 2;
        io.out(
          [
            `${"STREAM".padEnd(width)}FINGERPRINT  CREATED                   UPDATED                   ACCESS          RENDITIONS`,
            ...keys.map(
              (k) =>
                `${k.stream.padEnd(width)}${k.fingerprint.padEnd(13)}${k.createdAt.padEnd(26)}${k.updatedAt.padEnd(26)}${k.access.padEnd(15)} ${k.renditions}`,
            ),
          ].join("\n"),
        );
        return EXIT_OK;
      }
      case "revoke": {
        if (rest.length !== 1) return usage("keys revoke takes exactly one stream name");
        if (!(await store.revoke(rest[0]!))) {
          io.err(`error: stream "${rest[0]}" has no key in ${config.keys}`);
          return EXIT_RUNTIME;
        }
        io.out(`Revoked the key of stream "${rest[0]}". A running ingest refuses it and ends a publish using it within about a second.`);
        return EXIT_OK;
      }
      case "access": {
        if (rest.length !== 2) return usage("keys access takes a stream name and a mode");
        const [stream, text] = rest as [string, string];
        const mode = parseAccessMode(text);
        if (!mode) return usage(`invalid access mode ${JSON.stringify(text)}: expected ${ACCESS_MODE_RULE}`);
        if (!(await store.setAccess(stream, mode))) {
          io.err(`error: stream "${stream}" has no key in ${config.keys} (keys add ${stream} first)`);
          return EXIT_RUNTIME;
        }
        io.out(
          [
            `Stream "${stream}" is now ${formatAccessMode(mode)}. A running ingest applies it within a few seconds.`,
            ...(mode.kind !== "public" && !config.discourseUrl
              ? ["Note: viewers can only sign in when the ingest runs with --discourse-url and --discourse-connect-secret-file."]
              : []),
          ].join("\n"),
        );
        return EXIT_OK;
      }
      case "renditions": {
        if (rest.length !== 2) return usage("keys renditions takes a stream name and a list");
        const [stream, text] = rest as [string, string];
        const list = text === "default" ? null : parseRenditionList(text);
        if (list === undefined) return usage(`invalid renditions ${JSON.stringify(text)}: expected "default", ${RENDITION_LIST_RULE}`);
        if (!(await store.setRenditions(stream, list))) {
          io.err(`error: stream "${stream}" has no key in ${config.keys} (keys add ${stream} first)`);
          return EXIT_RUNTIME;
        }
        const said =
          list === null ? `the ingest's default (--renditions ${config.renditions})` : list.length === 0 ? "none" : list.join(", ");
        io.out(
          `Renditions of stream "${stream}": ${said}. A running ingest applies it within a few seconds to a show with renditions; a show that started without them gets them at its next start.`,
        );
        return EXIT_OK;
      }
      default:
        return usage(action === undefined ? "keys needs a subcommand" : `unknown keys subcommand "${action}"`);
    }
  } catch (error) {
    if (error instanceof InvalidStreamNameError) {
      io.err(`error: ${error.message}`);
      return EXIT_USAGE;
    }
    if (error instanceof KeysFileError) {
      io.err(`error: ${error.message}`);
      return EXIT_RUNTIME;
    }
    if (error instanceof LockHeldError) {
      io.err(`error: nothing changed: the keys file stays locked by another keys command (${error.message}); try again`);
      return EXIT_RUNTIME;
    }
    throw error;
  }
}
