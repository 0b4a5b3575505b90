/**
 * A small Markdown builder for job summaries and PR comments. The core produces
 * Markdown; the Actions adapter writes it to GITHUB_STEP_SUMMARY, the CLI prints it.
 */
export class Report {
  private readonly parts: string[] = [];

  heading(text: string, level = 2): this {
    this.parts.push(`${'#'.repeat(level)} ${text}`);
    return this;
  }
  text(text: string): this {
    this.parts.push(text);
    return this;
  }
  list(items: string[]): this {
    this.parts.push(items.map((i) => `- ${i}`).join('\n'));
    return this;
  }
  table(header: string[], rows: Array<Array<string | number>>): this {
    const esc = (c: string | number) => String(c).replace(/\|/g, '\\|').replace(/\n/g, '<br>');
    this.parts.push(
      [
        `| ${header.map(esc).join(' | ')} |`,
        `| ${header.map(() => '---').join(' | ')} |`,
        ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
      ].join('\n'),
    );
    return this;
  }
  code(text: string, lang = ''): this {
    const fence = text.includes('```') ? '~~~~' : '```';
    this.parts.push(`${fence}${lang}\n${text.trimEnd()}\n${fence}`);
    return this;
  }
  details(summary: string, body: string): this {
    this.parts.push(`<details><summary>${summary}</summary>\n\n${body}\n\n</details>`);
    return this;
  }
  toString(): string {
    return `${this.parts.join('\n\n')}\n`;
  }
}
