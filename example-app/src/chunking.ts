/**
 * Heading chunking. The rule (stable ids the eval suite depends on):
 * - a document's slug is its id (for files: the file name without `.md`);
 * - the `# Title` line names the document; text between it and the first `##` is the chunk
 *   `<doc>#<slug(title)>`;
 * - every `## Heading` starts a chunk `<doc>#<slug(heading)>` that runs to the next `#`/`##`
 *   heading; `###` and deeper stay inside their `##` chunk;
 * - slug = NFKD, lower case, every run of characters outside [a-z0-9] becomes `-`, trimmed;
 *   a repeated slug in one document gets `-2`, `-3`, …;
 * - sections with no body text are skipped; a section longer than `maxChars` is split at
 *   paragraph boundaries into `<id>`, `<id>~2`, `<id>~3`, ….
 */
export interface Chunk {
  id: string;
  docId: string;
  title: string;
  heading: string;
  /** Heading + body, as embedded and quoted. */
  text: string;
  index: number;
}

export function slugify(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[`*_[\]()]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function chunkMarkdown(docId: string, markdown: string, maxChars = 4000): Chunk[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  let title = docId;
  const sections: { heading: string; body: string[] }[] = [];
  let current: { heading: string; body: string[] } | undefined;
  let inFence = false;
  for (const line of lines) {
    if (/^(```|~~~)/.test(line)) inFence = !inFence;
    const m = inFence ? null : /^(#{1,2})\s+(.+?)\s*#*\s*$/.exec(line);
    if (m) {
      const heading = m[2] ?? '';
      if (m[1] === '#' && sections.length === 0 && !current) title = heading;
      const section = { heading, body: [] as string[] };
      current = section;
      sections.push(section);
      continue;
    }
    if (!current) {
      current = { heading: title, body: [] };
      sections.push(current);
    }
    current.body.push(line);
  }
  const seen = new Map<string, number>();
  const chunks: Chunk[] = [];
  for (const s of sections) {
    const body = s.body.join('\n').trim();
    if (!body) continue;
    let slug = slugify(s.heading) || 'section';
    const n = (seen.get(slug) ?? 0) + 1;
    seen.set(slug, n);
    if (n > 1) slug = `${slug}-${n}`;
    const id = `${docId}#${slug}`;
    const parts = splitParagraphs(body, maxChars);
    parts.forEach((part, i) => {
      chunks.push({
        id: i === 0 ? id : `${id}~${i + 1}`,
        docId,
        title,
        heading: s.heading,
        text: `${s.heading === title ? title : `${title} — ${s.heading}`}\n\n${part}`,
        index: chunks.length,
      });
    });
  }
  return chunks;
}

function splitParagraphs(body: string, maxChars: number): string[] {
  if (body.length <= maxChars) return [body];
  const parts: string[] = [];
  let cur = '';
  for (const p of body.split(/\n{2,}/)) {
    if (cur && cur.length + p.length + 2 > maxChars) {
      parts.push(cur);
      cur = '';
    }
    cur = cur ? `${cur}\n\n${p}` : p;
    while (cur.length > maxChars) {
      parts.push(cur.slice(0, maxChars));
      cur = cur.slice(maxChars);
    }
  }
  if (cur) parts.push(cur);
  return parts;
}
