/**
 * Drawing pull/push progress as docker does (its jsonmessage display): one line per layer,
 * redrawn in place on a terminal (`a3ed95caeb02: Downloading [=====>    ]  1.2MB/2.3MB`); on
 * anything else, a plain line each time a layer's status changes (no byte counts).
 */
import type { Writable } from 'node:stream';
import type { ProgressEvent, ProgressSink } from '../engine/distribution.js';
import { humanSize } from './format/human.js';

/** docker's progress bar (jsonmessage.JSONProgress): `[=====>     ]    1.2MB/2.3MB`. */
function bar(current: number, total: number): string {
  const width = 50;
  if (total <= 0) return `${humanSize(current).padStart(8)}`;
  const filled = Math.min(width, Math.floor((current / total) * width));
  const box = `[${'='.repeat(filled)}>${' '.repeat(width - filled)}] `;
  return `${box}${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/** A sink drawing to `out`; `tty` decides between redrawn lines and plain ones. */
export function progressPrinter(out: Writable, tty: boolean): ProgressSink {
  const rows = new Map<string, number>(); // layer id → line index (from the top)
  const last = new Map<string, string>();
  let lines = 0;
  return (e: ProgressEvent) => {
    if (e.kind === 'status') {
      out.write(`${e.text}\n`);
      lines++;
      return;
    }
    const text =
      e.current !== undefined && e.total !== undefined
        ? `${e.id}: ${e.status} ${bar(e.current, e.total)}`
        : `${e.id}: ${e.status}`;
    if (!tty) {
      if (e.current !== undefined) return;
      if (last.get(e.id) === e.status) return;
      last.set(e.id, e.status);
      out.write(`${text}\n`);
      return;
    }
    const row = rows.get(e.id);
    if (row === undefined) {
      rows.set(e.id, lines);
      out.write(`${text}\n`);
      lines++;
      return;
    }
    const up = lines - row;
    out.write(`\x1b[${up}A\r\x1b[2K${text}\r\x1b[${up}B`);
  };
}
