import AdmZip from 'adm-zip';

/**
 * Reads the files of a ZIP archive (what GitHub's artifact download returns) into memory.
 * adm-zip takes sizes from the central directory, so archives written with data descriptors
 * (actions/upload-artifact streams them) read correctly.
 */
export function readZip(buf: Buffer): Map<string, Buffer> {
  let zip: AdmZip;
  try {
    zip = new AdmZip(buf);
  } catch (err) {
    throw new Error(`not a ZIP file: ${(err as Error).message}`);
  }
  const files = new Map<string, Buffer>();
  for (const entry of zip.getEntries()) {
    if (entry.isDirectory) continue;
    files.set(entry.entryName, entry.getData());
  }
  return files;
}
