// Typed errors and the Result shape the pure RTMP parsers return instead of throwing.

export type Result<T, E extends Error = RtmpProtocolError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = <E extends Error>(error: E): { ok: false; error: E } => ({ ok: false, error });

export class RtmpProtocolError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

type Amf0ErrorCode =
  | "truncated"
  | "unknown-marker"
  | "unsupported-marker"
  | "unexpected-object-end"
  | "depth-limit"
  | "size-limit"
  | "unencodable";

export class Amf0Error extends RtmpProtocolError {
  declare readonly code: Amf0ErrorCode;
  constructor(code: Amf0ErrorCode, message: string) {
    super(code, message);
  }
}

type HandshakeErrorCode = "bad-version" | "bad-length";

export class HandshakeError extends RtmpProtocolError {
  declare readonly code: HandshakeErrorCode;
  constructor(code: HandshakeErrorCode, message: string) {
    super(code, message);
  }
}

export type ChunkErrorCode =
  | "bad-chunk-size"
  | "message-too-large"
  | "too-many-chunk-streams"
  | "pending-limit"
  | "no-previous-header"
  | "bad-control-message";

export class ChunkError extends RtmpProtocolError {
  declare readonly code: ChunkErrorCode;
  constructor(code: ChunkErrorCode, message: string) {
    super(code, message);
  }
}

type CommandErrorCode = "not-a-command" | "bad-command";

export class CommandError extends RtmpProtocolError {
  declare readonly code: CommandErrorCode;
  constructor(code: CommandErrorCode, message: string) {
    super(code, message);
  }
}
