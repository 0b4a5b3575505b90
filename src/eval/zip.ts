import { inflateRawSync } from 'node:zlib';

/**
 * Reads the files of a ZIP archive (what GitHub's artifact download returns) from its central
 * directory: stored and deflated entries, sizes from the central directory (writers such as
 * actions/upload-artifact stream with data descriptors and leave the local header's sizes 0).
 * No ZIP64 or encryption (an eval results file is far below 4 GiB).
 */
export function readZip(buf: Buffer): Map<string, Buffer> {
  const eocd = findEndOfCentralDirectory(buf);
  const entries = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < entries; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('not a ZIP file: bad central directory entry');
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const compressed = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nameLen).toString('utf8');
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (flags & 1) throw new Error(`ZIP entry ${name} is encrypted`);
    if (compressed === 0xffffffff || size === 0xffffffff) throw new Error(`ZIP entry ${name} needs ZIP64`);
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`ZIP entry ${name}: bad local header`);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(start, start + compressed);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = inflateRawSync(raw);
    else throw new Error(`ZIP entry ${name}: compression method ${method} is not supported`);
    if (data.length !== size) throw new Error(`ZIP entry ${name}: ${data.length} bytes, expected ${size}`);
    files.set(name, data);
  }
  return files;
}

function findEndOfCentralDirectory(buf: Buffer): number {
  // The record is 22 bytes plus a comment of up to 65535 bytes at the very end.
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--)
    if (buf.readUInt32LE(i) === 0x06054b50) return i;
  throw new Error('not a ZIP file: no end of central directory record');
}
