import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** One regular file of an archive, as recorded in the manifest. */
export interface FileEntry {
  path: string;
  bytes: number;
  sha256: string;
}

/**
 * Passes a tar stream through unchanged while computing the SHA-256 of every regular file
 * (ustar, GNU long names and pax `path`/`size` records, as GNU tar and `docker cp` write).
 * The whole stream is hashed too. Nothing is buffered beyond one 512-byte block.
 */
export class TarIndex extends Transform {
  readonly files: FileEntry[] = [];
  readonly whole = createHash('sha256');
  bytes = 0;
  private buf = Buffer.alloc(0);
  private remaining = 0; // bytes of the current entry's body still to come
  private padding = 0;
  private current?: {
    path: string;
    size: number;
    hash?: Hash;
    meta?: 'pax' | 'longname';
    metaBody?: Buffer[];
  };
  private paxPath?: string;
  private paxSize?: number;
  private longName?: string;
  private sawEnd = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.whole.update(chunk);
    this.bytes += chunk.length;
    try {
      this.consume(chunk);
    } catch (err) {
      cb(err as Error);
      return;
    }
    cb(null, chunk);
  }

  private consume(chunk: Buffer): void {
    let data = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    this.buf = Buffer.alloc(0);
    while (data.length > 0) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, data.length);
        const part = data.subarray(0, n);
        if (this.current?.hash) this.current.hash.update(part);
        if (this.current?.metaBody) this.current.metaBody.push(Buffer.from(part));
        this.remaining -= n;
        data = data.subarray(n);
        if (this.remaining === 0) this.endEntry();
        continue;
      }
      if (this.padding > 0) {
        const n = Math.min(this.padding, data.length);
        this.padding -= n;
        data = data.subarray(n);
        continue;
      }
      if (this.sawEnd) return; // trailing zero blocks
      if (data.length < 512) {
        this.buf = Buffer.from(data);
        return;
      }
      this.header(data.subarray(0, 512));
      data = data.subarray(512);
    }
  }

  private header(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      this.sawEnd = true;
      return;
    }
    const type = String.fromCharCode(block[156] || 48);
    const name = cstr(block.subarray(0, 100));
    const prefix = cstr(block.subarray(345, 500));
    const size = this.paxSize ?? octal(block.subarray(124, 136));
    const path = this.longName ?? this.paxPath ?? (prefix ? `${prefix}/${name}` : name);
    const bodySize = type === 'x' || type === 'L' || type === 'g' ? octal(block.subarray(124, 136)) : size;
    if (type === 'x' || type === 'L') {
      this.current = { path, size: bodySize, meta: type === 'x' ? 'pax' : 'longname', metaBody: [] };
    } else {
      this.paxPath = undefined;
      this.paxSize = undefined;
      this.longName = undefined;
      const regular = type === '0' || type === '7';
      this.current = { path, size: regular ? bodySize : 0, hash: regular ? createHash('sha256') : undefined };
      if (!regular && type !== 'g') {
        // directories, links, devices: no body (hard links carry none either)
        this.current = undefined;
        return;
      }
    }
    this.remaining = this.current?.size ?? bodySize;
    this.padding = (512 - (bodySize % 512)) % 512;
    if (this.remaining === 0) this.endEntry();
  }

  private endEntry(): void {
    const cur = this.current;
    this.current = undefined;
    if (!cur) return;
    if (cur.meta === 'longname') {
      this.longName = cstr(Buffer.concat(cur.metaBody ?? []));
    } else if (cur.meta === 'pax') {
      const text = Buffer.concat(cur.metaBody ?? []).toString('utf8');
      for (const rec of parsePax(text)) {
        if (rec.key === 'path') this.paxPath = rec.value;
        if (rec.key === 'size') this.paxSize = Number(rec.value);
      }
    } else if (cur.hash) {
      this.files.push({
        path: cur.path.replace(/^\.\//, ''),
        bytes: cur.size,
        sha256: cur.hash.digest('hex'),
      });
    }
  }

  override _flush(cb: TransformCallback): void {
    if (this.remaining > 0 || this.buf.length > 0) {
      cb(new Error(`the tar stream ends inside an entry (${this.remaining} bytes missing): it is truncated`));
      return;
    }
    cb();
  }

  /** Files sorted by path: the manifest's canonical order. */
  sortedFiles(): FileEntry[] {
    return [...this.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

function cstr(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end === -1 ? b.length : end).toString('utf8');
}

function octal(b: Buffer): number {
  // GNU base-256 for sizes ≥ 8 GiB
  if (b[0]! & 0x80) {
    let n = 0;
    for (let i = 1; i < b.length; i++) n = n * 256 + b[i]!;
    return n;
  }
  const s = cstr(b).trim();
  return s ? Number.parseInt(s, 8) : 0;
}

function parsePax(text: string): Array<{ key: string; value: string }> {
  const out: Array<{ key: string; value: string }> = [];
  const buf = Buffer.from(text, 'utf8');
  let i = 0;
  while (i < buf.length) {
    const sp = buf.indexOf(0x20, i);
    if (sp === -1) break;
    const len = Number(buf.subarray(i, sp).toString());
    if (!len) break;
    const rec = buf.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    out.push({ key: rec.slice(0, eq), value: rec.slice(eq + 1) });
    i += len;
  }
  return out;
}
