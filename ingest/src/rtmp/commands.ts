// NetConnection/NetStream commands: parsing what publishers send and building the replies they wait for.
import { decodeAmf0, encodeAmf0, type Amf0Limits, type Amf0Object, type Amf0Value, defaultAmf0Limits } from "./amf0.js";
import { Amf0Error, CommandError, fail, ok, type Result } from "./errors.js";
import { ChunkStreamId, MessageType, type RtmpMessage } from "./messages.js";

export interface RtmpCommand {
  name: string;
  transactionId: number;
  /** The command object (connect's properties), usually null for other commands. */
  object: Amf0Value;
  args: Amf0Value[];
}

/** AMF3 command/data messages begin with one format byte; publishers put AMF0 behind it (0x00). */
function amf0Body(message: RtmpMessage): Result<Buffer, CommandError> {
  if (message.typeId === MessageType.commandAmf0 || message.typeId === MessageType.dataAmf0) return ok(message.payload);
  if (message.typeId === MessageType.commandAmf3 || message.typeId === MessageType.dataAmf3) {
    if (message.payload[0] === 0) return ok(message.payload.subarray(1));
    return fail(new CommandError("bad-command", "AMF3-encoded command bodies are not supported"));
  }
  return fail(new CommandError("not-a-command", `message type ${message.typeId} is not a command or data message`));
}

export function parseCommand(message: RtmpMessage, limits: Amf0Limits = defaultAmf0Limits): Result<RtmpCommand, CommandError | Amf0Error> {
  const body = amf0Body(message);
  if (!body.ok) return body;
  const decoded = decodeAmf0(body.value, limits);
  if (!decoded.ok) return decoded;
  const [name, transactionId, object = null, ...args] = decoded.value;
  if (typeof name !== "string") return fail(new CommandError("bad-command", "command name is not a string"));
  return ok({ name, transactionId: typeof transactionId === "number" ? transactionId : 0, object, args });
}

/** A data message (@setDataFrame, onMetaData, ...) as its AMF0 values. */
export function parseDataMessage(
  message: RtmpMessage,
  limits: Amf0Limits = defaultAmf0Limits,
): Result<Amf0Value[], CommandError | Amf0Error> {
  const body = amf0Body(message);
  if (!body.ok) return body;
  return decodeAmf0(body.value, limits);
}

function commandMessage(values: Amf0Value[], streamId = 0, csid: number = ChunkStreamId.command): RtmpMessage {
  return { csid, typeId: MessageType.commandAmf0, streamId, timestamp: 0, payload: encodeAmf0(values) };
}

export function resultMessage(transactionId: number, object: Amf0Value, ...args: Amf0Value[]): RtmpMessage {
  return commandMessage(["_result", transactionId, object, ...args]);
}

export function connectResultMessage(transactionId: number): RtmpMessage {
  return resultMessage(
    transactionId,
    { fmsVer: "FMS/3,0,1,123", capabilities: 31 },
    { level: "status", code: "NetConnection.Connect.Success", description: "Connection succeeded.", objectEncoding: 0 },
  );
}

export function connectRejectedMessage(transactionId: number, description: string): RtmpMessage {
  return commandMessage(["_error", transactionId, null, { level: "error", code: "NetConnection.Connect.Rejected", description }]);
}

export function createStreamResultMessage(transactionId: number, streamId: number): RtmpMessage {
  return resultMessage(transactionId, null, streamId);
}

interface StatusInfo {
  level: "status" | "error" | "warning";
  code: string;
  description: string;
}

export function onStatusMessage(streamId: number, info: StatusInfo): RtmpMessage {
  const object: Amf0Object = { level: info.level, code: info.code, description: info.description };
  return commandMessage(["onStatus", 0, null, object], streamId, ChunkStreamId.status);
}

export function onFCPublishMessage(): RtmpMessage {
  return commandMessage(["onFCPublish", 0, null, { code: "NetStream.Publish.Start", description: "FCPublish" }]);
}
