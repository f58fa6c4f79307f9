/** Frames on the tcp pattern's wire: 4-byte big-endian body length, then the body (record JSON). */
export const headerBytes = 4;
/** Larger frames are refused as a protocol error (a corrupt length, not a real message). */
export const maxFrameBytes = 64 * 1024 * 1024;

/** Builds one frame from the record's JSON text in a single allocation. */
export function encodeFrame(json: string): Buffer {
  const length = Buffer.byteLength(json);
  const frame = Buffer.allocUnsafe(headerBytes + length);
  frame.writeUInt32BE(length, 0);
  frame.write(json, headerBytes, 'utf8');
  return frame;
}

/**
 * Splits a byte stream into whole frames (header included), copying only when a frame spans chunks.
 * Calls `onFrame` for each; throws RangeError on a frame longer than maxFrameBytes.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Length of the frame being buffered (header included) once its header is in; 0 before. */
  private needed = 0;

  constructor(private readonly onFrame: (frame: Buffer) => void) {}

  push(chunk: Buffer): void {
    if (this.buffered > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered < headerBytes) return;
      if (this.needed === 0) {
        const first = this.chunks[0] as Buffer;
        this.needed = this.frameLength(first.length >= headerBytes ? first : Buffer.concat(this.chunks));
      }
      if (this.buffered < this.needed) return;
      chunk = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [];
      this.buffered = 0;
      this.needed = 0;
    }
    let offset = 0;
    while (chunk.length - offset >= headerBytes) {
      const length = this.frameLength(chunk, offset);
      if (chunk.length - offset < length) break;
      this.onFrame(chunk.subarray(offset, offset + length));
      offset += length;
    }
    if (offset < chunk.length) {
      const rest = chunk.subarray(offset);
      this.chunks.push(rest);
      this.buffered = rest.length;
    }
  }

  private frameLength(buf: Buffer, offset = 0): number {
    const body = buf.readUInt32BE(offset);
    if (body > maxFrameBytes) throw new RangeError(`frame of ${body} bytes exceeds ${maxFrameBytes}`);
    return headerBytes + body;
  }
}
