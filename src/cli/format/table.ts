/**
 * docker/cli's list formatting (cli/command/formatter): `--format` templates rendered per row,
 * and `table …` formats aligned by a tabwriter under a header row.
 */
import { GoTemplate } from './go-template.js';
import { tabwriteText } from './tabwriter.js';

/** docker's tabwriter settings: tabwriter.NewWriter(out, 10, 1, 3, ' ', 0). */
const DOCKER_TABWRITER = { minWidth: 10, padding: 3 };

/**
 * Aligns rows of cells like Go's text/tabwriter as docker configures it: every cell but the
 * last of its row is padded to the widest cell of its column plus `padding`, and to at least
 * `minWidth`; each row ends in a newline. (Columns are Go's: a block of contiguous rows that
 * have a cell there.)
 */
export function tabwrite(rows: string[][], opts?: { minWidth?: number; padding?: number }): string {
  const text = rows.map((r) => r.join('\t') + '\n').join('');
  return tabwriteText(text, { ...DOCKER_TABWRITER, ...opts });
}

/** docker's Format.IsTable: any format starting with "table". */
const TABLE = 'table';

/**
 * docker's preFormat: strips `table`, maps the format `json` to `{{json .}}`, trims spaces at
 * both ends, and turns the two-character sequences \t and \n typed on a command line into a tab
 * and a newline.
 */
function finalFormat(format: string): string {
  let f = format.startsWith(TABLE)
    ? format.slice(TABLE.length)
    : format === 'json'
      ? '{{json .}}'
      : format;
  f = f.replace(/^ +| +$/g, '');
  return f.replace(/\\[tn]/g, (m) => (m === '\\t' ? '\t' : '\n'));
}

/**
 * A row as docker hands it to `{{json .}}`: a map, so a plain object's keys are sorted. Other
 * objects (class instances with methods) are passed as they are.
 */
function rowData(row: object): object {
  if (Object.getPrototypeOf(row) !== Object.prototype) return row;
  const r = row as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(r)
      .sort()
      .map((k) => [k, r[k]]),
  );
}

/**
 * Renders rows with a `--format` string, as docker's formatter.Context does. A `table` format
 * prints a header row (the template run over `headers`, a map from field name to header text,
 * with docker's header functions) and aligns all lines with the tabwriter; other formats print
 * one line per row. Throws InvalidArgument `template parsing error: …` on a bad template.
 *
 * A bare `table` renders empty rows: callers substitute their default table format for it, as
 * docker's commands do.
 */
export function renderFormatted(
  format: string,
  rows: object[],
  headers: Record<string, string>,
): string {
  const isTable = format.startsWith(TABLE);
  const tmpl = GoTemplate.parse(finalFormat(format));
  const body = rows.map((row) => tmpl.execute(rowData(row)) + '\n').join('');
  if (!isTable) return body;
  return tabwriteText(`${tmpl.executeHeader(headers)}\n${body}`, DOCKER_TABWRITER);
}
