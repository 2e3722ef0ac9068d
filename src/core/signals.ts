/**
 * Linux signal names and numbers as Docker reads them (moby/sys/signal `SignalMap` and
 * `ParseSignal`): `SIGTERM`, `TERM`, `term`, `15`, `SIGRTMIN+3`, `RTMAX-1`. The numbers are those
 * of x86-64 and arm64 (the generic table); real-time signals run from 34 to 64 as glibc reserves
 * 32 and 33.
 */
import { invalidArgument } from './errors.js';

const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** Names without `SIG`; the first name of a number is the one `signalName` gives. */
const standard: ReadonlyArray<[string, number]> = [
  ['HUP', 1],
  ['INT', 2],
  ['QUIT', 3],
  ['ILL', 4],
  ['TRAP', 5],
  ['ABRT', 6],
  ['IOT', 6],
  ['BUS', 7],
  ['FPE', 8],
  ['KILL', 9],
  ['USR1', 10],
  ['SEGV', 11],
  ['USR2', 12],
  ['PIPE', 13],
  ['ALRM', 14],
  ['TERM', 15],
  ['STKFLT', 16],
  ['CHLD', 17],
  ['CLD', 17],
  ['CONT', 18],
  ['STOP', 19],
  ['TSTP', 20],
  ['TTIN', 21],
  ['TTOU', 22],
  ['URG', 23],
  ['XCPU', 24],
  ['XFSZ', 25],
  ['VTALRM', 26],
  ['PROF', 27],
  ['WINCH', 28],
  ['IO', 29],
  ['POLL', 29],
  ['PWR', 30],
  ['SYS', 31],
];

/** RTMIN, RTMIN+1..RTMIN+15, RTMAX-14..RTMAX-1, RTMAX (Docker's names for 34..64). */
const realtime: ReadonlyArray<[string, number]> = [
  ['RTMIN', SIGRTMIN],
  ...Array.from({ length: 15 }, (_, i): [string, number] => [`RTMIN+${i + 1}`, SIGRTMIN + i + 1]),
  ...Array.from({ length: 14 }, (_, i): [string, number] => [`RTMAX-${14 - i}`, SIGRTMAX - 14 + i]),
  ['RTMAX', SIGRTMAX],
];

/** Every name Docker knows (without `SIG`) and its number. */
export const signalMap: ReadonlyMap<string, number> = new Map([...standard, ...realtime]);

const names = new Map<number, string>();
for (const [name, n] of signalMap) if (!names.has(n)) names.set(n, name);

/**
 * A signal by name (case-insensitive, with or without `SIG`) or number. Throws InvalidArgument
 * `invalid signal: X` for 0, unknown names and numbers that are no Linux signal.
 */
export function parseSignal(s: string): number {
  if (/^[+-]?\d+$/.test(s)) {
    const n = Number(s);
    if (!names.has(n)) throw invalidArgument(`invalid signal: ${s}`);
    return n;
  }
  const upper = s.toUpperCase();
  const n = signalMap.get(upper.startsWith('SIG') ? upper.slice(3) : upper);
  if (n === undefined) throw invalidArgument(`invalid signal: ${s}`);
  return n;
}

/** `15` → `SIGTERM`, `37` → `SIGRTMIN+3`; undefined for a number that is no signal. */
export function signalName(n: number): string | undefined {
  const name = names.get(n);
  return name === undefined ? undefined : `SIG${name}`;
}
