import type { SecretRegistry } from '../core/redact.js';

/**
 * Turns a stream of chunks into whole lines with secrets masked. A secret split across two
 * chunks would slip through a per-chunk redaction; a whole line cannot split one (secrets
 * with newlines are also registered line by line).
 */
export class LineRedactor {
  private buffer = '';

  constructor(
    private readonly secrets: SecretRegistry,
    private readonly emit: (line: string) => void,
    /** Longest partial line kept before it is emitted anyway (a binary stream without \n). */
    private readonly maxLine = 64 * 1024,
  ) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let nl = this.buffer.indexOf('\n');
    while (nl >= 0) {
      this.emit(this.secrets.redact(this.buffer.slice(0, nl).replace(/\r$/, '')));
      this.buffer = this.buffer.slice(nl + 1);
      nl = this.buffer.indexOf('\n');
    }
    if (this.buffer.length > this.maxLine) this.flush();
  }

  flush(): void {
    if (this.buffer) this.emit(this.secrets.redact(this.buffer));
    this.buffer = '';
  }
}
