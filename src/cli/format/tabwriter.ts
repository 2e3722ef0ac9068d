/**
 * Go's text/tabwriter (in docker/cli's fork, which measures cells with go-runewidth), for a
 * space pad character and no flags: the elastic-tabstop algorithm over a whole text.
 *
 * Text is cut into cells at tabs (`\t`, `\v`) and line breaks (`\n`, `\f`). The tab-terminated
 * cells of contiguous lines form a column, padded to its widest cell plus `padding` (and at
 * least `minWidth`); the last cell of a line belongs to no column and is never padded. A column
 * ends at the first line that has no cell in it, so the widths of one block of lines do not
 * leak into the next. A form feed also ends every column, and prints as a newline.
 */
import { stringWidth } from './text-width.js';

export interface TabwriterOptions {
  /** Minimal width of a column, padding included (docker: 10). */
  minWidth: number;
  /** Spaces added to the widest cell of a column (docker: 3). */
  padding: number;
}

interface Cell {
  text: string;
  width: number;
}

/** Formats one section of lines (a text between form feeds). */
class Section {
  private out = '';
  private readonly widths: number[] = [];

  constructor(
    private readonly lines: Cell[][],
    private readonly opts: TabwriterOptions,
  ) {}

  render(): string {
    this.format(0, this.lines.length);
    return this.out;
  }

  private writeLines(line0: number, line1: number): void {
    for (let i = line0; i < line1; i++) {
      const line = this.lines[i]!;
      line.forEach((c, j) => {
        this.out += c.text;
        if (j < this.widths.length) this.out += ' '.repeat(this.widths[j]! - c.width);
      });
      if (i + 1 < this.lines.length) this.out += '\n';
    }
  }

  /** Go's Writer.format: finds column blocks left to right, recursing into each block. */
  private format(line0: number, line1: number): void {
    const column = this.widths.length;
    for (let row = line0; row < line1; row++) {
      if (column >= this.lines[row]!.length - 1) continue;
      // This line has a cell in this column: print what precedes, then size the block.
      this.writeLines(line0, row);
      line0 = row;
      let width = this.opts.minWidth;
      for (; row < line1; row++) {
        const line = this.lines[row]!;
        if (column >= line.length - 1) break;
        width = Math.max(width, line[column]!.width + this.opts.padding);
      }
      this.widths.push(width);
      this.format(line0, row);
      this.widths.pop();
      line0 = row;
    }
    this.writeLines(line0, line1);
  }
}

/** Splits a section's text into lines of cells; the last line holds any unterminated text. */
function cells(text: string): Cell[][] {
  return text
    .split('\n')
    .map((line) => line.split(/[\t\v]/).map((t) => ({ text: t, width: stringWidth(t) })));
}

/** Runs `text` through a tabwriter and flushes it. */
export function tabwriteText(text: string, opts: TabwriterOptions): string {
  const sections = text.split('\f');
  return sections
    .map((section, i) => {
      const lines = cells(section);
      // At the final flush, Go drops the unterminated cell if it is empty: text ending in a
      // newline leaves a last line with no cells, which prints as nothing.
      if (i === sections.length - 1 && lines[lines.length - 1]!.at(-1)!.text === '') {
        lines[lines.length - 1]!.pop();
      }
      return new Section(lines, opts).render();
    })
    .join('\n');
}
