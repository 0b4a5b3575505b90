import { UserError } from '../core/errors.js';
import type { Target } from './target.js';

export interface HostOs {
  id: 'debian' | 'ubuntu';
  versionId: string;
  codename: string;
  /** dpkg architecture, e.g. amd64 (for apt source lines). */
  arch: string;
}

const SUPPORTED: Record<string, string[]> = { debian: ['12'], ubuntu: ['22.04', '24.04'] };

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=(?:"([^"]*)"|'([^']*)'|(.*))$/.exec(line.trim());
    if (m) out[m[1]!] = m[2] ?? m[3] ?? m[4] ?? '';
  }
  return out;
}

/** Debian 12 and Ubuntu 22.04/24.04 only: package names and config paths are known for them. */
export async function detectOs(target: Target): Promise<HostOs> {
  const text = (await target.readFile('/etc/os-release')) ?? '';
  const rel = parseOsRelease(text);
  const id = rel.ID ?? '';
  const versionId = rel.VERSION_ID ?? '';
  if (!SUPPORTED[id]?.includes(versionId)) {
    throw new UserError(
      target.label,
      `unsupported OS ${rel.PRETTY_NAME ?? (id || 'unknown')}`,
      'provision supports Debian 12 and Ubuntu 22.04/24.04',
    );
  }
  const arch = await target.out(['dpkg', '--print-architecture']);
  return { id: id as HostOs['id'], versionId, codename: rel.VERSION_CODENAME ?? '', arch };
}
