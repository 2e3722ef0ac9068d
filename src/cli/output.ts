/** Output helpers shared by commands: Docker's IDs, times, table-or-template rendering, JSON. */
import { renderFormatted, tabwrite } from './format/table.js';
import { parseTemplate } from './format/go-template.js';
import { humanDuration } from './format/human.js';

export const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** Docker's Ellipsis: cut to `n` characters, the last one `…`. */
export const ellipsis = (s: string, n: number) =>
  [...s].length > n ? [...s].slice(0, n - 1).join('') + '…' : s;

export const displayId = (id: string, noTrunc: boolean) => (noTrunc ? id : shortId(id));

/** `2 hours ago`, as Docker's CreatedSince. */
export const since = (iso: string | undefined, now = Date.now()) =>
  iso ? `${humanDuration(Math.max(0, now - Date.parse(iso)))} ago` : '';

/** Go's `time.Time.String()` for UTC: `2024-01-02 15:04:05 +0000 UTC`. */
export function goTime(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000 UTC`;
}

/** Go's json.MarshalIndent(v, "", "    ") as Docker's inspect prints it (HTML-safe escapes). */
export function goJsonIndent(v: unknown): string {
  return JSON.stringify(v, null, 4)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
}

/**
 * Render rows either with the default table (`table …` template) or a user's `--format`.
 * `headers` names the column of each field, as Docker's formatter does.
 */
export function renderRows(
  rows: object[],
  format: string | undefined,
  defaultTable: string,
  headers: Record<string, string>,
): string {
  const f = format === undefined || format === '' || format === 'table' ? defaultTable : format;
  if (f === 'json') return rows.map((r) => parseTemplate('{{json .}}').execute(r) + '\n').join('');
  return renderFormatted(f, rows, headers);
}

/** Plain columns (for output that is not template-driven). */
export const columns = (rows: string[][]) => tabwrite(rows);

/** Print inspect documents: Docker's indented JSON array, or one `--format` line each. */
export function printDocuments(
  out: (line: string) => void,
  docs: unknown[],
  format: string | undefined,
): void {
  if (format && format !== 'json') {
    const t = parseTemplate(format);
    for (const d of docs) out(t.execute(d));
  } else out(goJsonIndent(docs));
}
