// RTMP message type ids, the message shape, and encoders/decoders of protocol control messages.
import { ChunkError, fail, ok, type Result } from "./errors.js";

export const MessageType = {
  setChunkSize: 1,
  abort: 2,
  acknowledgement: 3,
  userControl: 4,
  windowAckSize: 5,
  setPeerBandwidth: 6,
  audio: 8,
  video: 9,
  dataAmf3: 15,
  sharedObjectAmf3: 16,
  commandAmf3: 17,
  dataAmf0: 18,
  sharedObjectAmf0: 19,
  commandAmf0: 20,
  aggregate: 22,
} as const;

export const UserControlEvent = {
  streamBegin: 0,
  streamEof: 1,
  streamDry: 2,
  setBufferLength: 3,
  streamIsRecorded: 4,
  pingRequest: 6,
  pingResponse: 7,
} as const;

/** Chunk stream ids the server writes on (2 is reserved for protocol control). */
export const ChunkStreamId = {
  protocolControl: 2,
  command: 3,
  status: 5,
} as const;

export interface RtmpMessage {
  /** Chunk stream the message arrived on. */
  csid: number;
  typeId: number;
  /** Message stream id (0 for the NetConnection, the createStream id for a NetStream). */
  streamId: number;
  /** Timestamp in ms, modulo 2^32 as on the wire. */
  timestamp: number;
  payload: Buffer;
}

function u32Message(typeId: number, value: number): RtmpMessage {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(value >>> 0);
  return { csid: ChunkStreamId.protocolControl, typeId, streamId: 0, timestamp: 0, payload };
}

export const setChunkSizeMessage = (size: number): RtmpMessage => u32Message(MessageType.setChunkSize, size & 0x7fffffff);
export const acknowledgementMessage = (sequence: number): RtmpMessage => u32Message(MessageType.acknowledgement, sequence);
export const windowAckSizeMessage = (size: number): RtmpMessage => u32Message(MessageType.windowAckSize, size);

export const PeerBandwidthLimit = { hard: 0, soft: 1, dynamic: 2 } as const;

export function setPeerBandwidthMessage(size: number, limitType: number = PeerBandwidthLimit.dynamic): RtmpMessage {
  const payload = Buffer.alloc(5);
  payload.writeUInt32BE(size >>> 0);
  payload[4] = limitType;
  return { csid: ChunkStreamId.protocolControl, typeId: MessageType.setPeerBandwidth, streamId: 0, timestamp: 0, payload };
}

export function userControlMessage(event: number, value: number): RtmpMessage {
  const payload = Buffer.alloc(6);
  payload.writeUInt16BE(event);
  payload.writeUInt32BE(value >>> 0, 2);
  return { csid: ChunkStreamId.protocolControl, typeId: MessageType.userControl, streamId: 0, timestamp: 0, payload };
}

/** Reads the 4-byte value of Set Chunk Size, Abort, Acknowledgement or Window Acknowledgement Size. */
export function readU32Control(message: RtmpMessage): Result<number, ChunkError> {
  if (message.payload.length < 4) {
    return fail(
      new ChunkError("bad-control-message", `control message type ${message.typeId} has ${message.payload.length} bytes, needs 4`),
    );
  }
  return ok(message.payload.readUInt32BE(0));
}

interface UserControl {
  event: number;
  /** The first 4 bytes of event data (stream id or ping timestamp); 0 when absent. */
  value: number;
}

export function readUserControl(message: RtmpMessage): Result<UserControl, ChunkError> {
  const p = message.payload;
  if (p.length < 2) return fail(new ChunkError("bad-control-message", "user control message shorter than 2 bytes"));
  return ok({ event: p.readUInt16BE(0), value: p.length >= 6 ? p.readUInt32BE(2) : 0 });
}
