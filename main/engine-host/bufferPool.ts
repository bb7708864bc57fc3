/**
 * Large typed arrays kept for the next job of the same size. A fresh multi-megabyte array costs
 * the page faults of its first touch (~0.4 ms per MiB on this 2-core machine, measured), paid
 * again on every request; a reused one is already mapped and warm. Arrays come back with the old
 * contents: a taker must write every element before reading any.
 *
 * Used only on success paths: an array whose job failed or was cancelled is simply dropped (a
 * cancelled onnxruntime run may still be reading its input).
 */
export class BufferPool {
  private readonly f32 = new Map<number, Float32Array[]>();
  private readonly u8 = new Map<number, Uint8Array[]>();
  private retained = 0;

  constructor(
    /** Arrays larger than this are never kept (a 12 MP depth map is 48 MB). */
    private readonly maxArrayBytes = 16 * 1024 * 1024,
    /** At most this much is held in all. */
    private readonly maxBytes = 64 * 1024 * 1024,
    private readonly perSize = 2,
  ) {}

  float32(length: number): Float32Array {
    return this.take(this.f32, length) ?? new Float32Array(length);
  }

  uint8(length: number): Uint8Array {
    return this.take(this.u8, length) ?? new Uint8Array(length);
  }

  /** Hands arrays back; ones that are too large, views into a larger buffer, or over the limits are dropped. */
  give(...arrays: (Float32Array | Uint8Array)[]): void {
    for (const a of arrays) {
      if (a.byteOffset !== 0 || a.byteLength !== a.buffer.byteLength || a.byteLength > this.maxArrayBytes) continue;
      if (this.retained + a.byteLength > this.maxBytes) continue;
      const map = (a instanceof Float32Array ? this.f32 : this.u8) as Map<number, (Float32Array | Uint8Array)[]>;
      const list = map.get(a.length) ?? [];
      if (list.length >= this.perSize || list.includes(a)) continue;
      list.push(a);
      map.set(a.length, list);
      this.retained += a.byteLength;
    }
  }

  /** Bytes held now (for tests). */
  get bytes(): number {
    return this.retained;
  }

  private take<T extends Float32Array | Uint8Array>(map: Map<number, T[]>, length: number): T | undefined {
    const a = map.get(length)?.pop();
    if (a) this.retained -= a.byteLength;
    return a;
  }
}
