/** What a CLI command is, and the context it runs in. */
import type { Writable } from 'node:stream';
import type { Engine } from '../engine/engine.js';
import { Flags, type FlagSpec } from './flags.js';

export interface Io {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

export interface Context extends Io {
  /** The engine, loaded and opened on first use (commands that need none start faster). */
  engine(): Promise<Engine>;
  flags: Flags;
  args: string[];
  /** Write a line to stdout. */
  out: (line: string) => void;
  /** Write a line to stderr. */
  err: (line: string) => void;
}

export interface Command {
  /** Words that invoke it, e.g. `['image', 'ls']`; further spellings in `aliases`. */
  path: string[];
  aliases?: string[][];
  usage: string;
  summary: string;
  flags: FlagSpec[];
  /** Positional argument count (checked before `run`). */
  args?: { min?: number; max?: number };
  /** Flags stop at the first positional argument (like `docker run IMAGE CMD -x`). */
  stopAtFirstArg?: boolean;
  /** Left out of help (internal, e.g. what the monitor calls back). */
  hidden?: boolean;
  run(ctx: Context): Promise<number | void>;
}

export { Flags };
