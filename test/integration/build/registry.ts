import { sandbox } from '../../support/sandbox.js';

/** The sandbox registry's own answer for a tag: Docker-Content-Digest of the v2 manifest (basic auth). */
export async function registryDigest(name: string, tag: string): Promise<string | undefined> {
  const { host, username, password } = sandbox().registry;
  const res = await fetch(`http://${host}/v2/${name}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept: 'application/vnd.docker.distribution.manifest.v2+json',
      authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
    },
  });
  if (res.status === 404) return undefined;
  if (!res.ok) throw new Error(`registry answered ${res.status} for ${name}:${tag}`);
  return res.headers.get('docker-content-digest') ?? undefined;
}
