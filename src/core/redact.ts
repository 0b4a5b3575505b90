/**
 * Values registered as secrets are replaced by *** in everything the loggers write,
 * together with the encodings a secret commonly leaks in (base64, URL encoding).
 */
export class SecretRegistry {
  private readonly values = new Set<string>();
  private readonly listeners: Array<(value: string) => void> = [];

  add(value: string | undefined): void {
    if (!value || value.length < 3) return;
    for (const form of encodings(value)) {
      if (this.values.has(form)) continue;
      this.values.add(form);
      for (const l of this.listeners) l(form);
    }
    // A multi-line secret (a key) also leaks line by line.
    if (value.includes('\n')) {
      for (const line of value.split(/\r?\n/)) if (line.trim().length >= 8) this.add(line.trim());
    }
  }

  /** Called for every new form, e.g. to forward to core.setSecret. */
  onAdd(listener: (value: string) => void): void {
    this.listeners.push(listener);
    for (const v of this.values) listener(v);
  }

  redact(text: string): string {
    if (this.values.size === 0) return text;
    // Longest first so a secret containing another is replaced whole.
    let out = text;
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(v).join('***');
    return out;
  }

  has(text: string): boolean {
    for (const v of this.values) if (text.includes(v)) return true;
    return false;
  }
}

function encodings(value: string): string[] {
  const forms = [value, Buffer.from(value).toString('base64'), encodeURIComponent(value)];
  return [...new Set(forms)].filter((f) => f.length >= 3);
}

/** The process-wide registry the loggers consult. */
export const secrets = new SecretRegistry();
