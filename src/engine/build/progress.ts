/**
 * How a build shows its steps. `plain` writes BuildKit's plain lines (`#5 [stage-1 3/6] RUN make`,
 * `#5 CACHED`, `#5 DONE 1.2s`) with RUN's output as it comes; `tty` redraws BuildKit's live view
 * in place (`[+] Building 2.1s (5/9)`, one line per step with its time, the last lines of a
 * running step's output under it), and prints a failed step's whole output at the end.
 */
import { Writable } from 'node:stream';

export type ProgressMode = 'plain' | 'tty';

/** One step's reporter: its number, its end, its messages and its process output. */
export interface StepProgress {
  readonly n: number;
  cached(): void;
  /** The step finished; `showTime` prints its duration (steps that did real work). */
  done(showTime?: boolean): void;
  /** A message about the step (an --explain-cache line). */
  log(line: string): void;
  /** Where the step's processes write (RUN's stdout and stderr). */
  readonly output: Writable;
}

export interface BuildProgress {
  step(title: string): StepProgress;
  /** Lines that belong to no step (the build checks' summary). */
  note(line: string): void;
  /** The build ended: the last frame, and the failed step's output when it failed. */
  finish(failed: boolean): void;
}

export function buildProgress(mode: ProgressMode, out: Writable): BuildProgress {
  return mode === 'tty' ? new TtyProgress(out) : new PlainProgress(out);
}

class PlainProgress implements BuildProgress {
  private count = 0;

  constructor(private readonly out: Writable) {}

  step(title: string): StepProgress {
    const n = ++this.count;
    const say = (line: string) => this.out.write(`#${n} ${line}\n`);
    const started = Date.now();
    say(title);
    return {
      n,
      cached: () => say('CACHED'),
      done: (showTime) =>
        say(showTime ? `DONE ${((Date.now() - started) / 1000).toFixed(1)}s` : 'DONE'),
      log: say,
      output: this.out,
    };
  }

  note(line: string): void {
    this.out.write(line + '\n');
  }

  finish(): void {}
}

interface TtyStep {
  n: number;
  title: string;
  started: number;
  ended?: number;
  cached?: boolean;
  /** The step's output and messages, line by line (the last MAX_KEPT). */
  lines: string[];
  partial: string;
}

const MAX_KEPT = 200;
const SHOWN_WHILE_RUNNING = 6;
const FRAME_MS = 100;

class TtyProgress implements BuildProgress {
  private readonly steps: TtyStep[] = [];
  private readonly notes: string[] = [];
  private readonly started = Date.now();
  private drawn = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly out: Writable & { columns?: number; rows?: number }) {
    this.timer = setInterval(() => this.draw(false), FRAME_MS);
    this.timer.unref();
  }

  step(title: string): StepProgress {
    const s: TtyStep = {
      n: this.steps.length + 1,
      title,
      started: Date.now(),
      lines: [],
      partial: '',
    };
    this.steps.push(s);
    const keep = (line: string) => {
      s.lines.push(line);
      if (s.lines.length > MAX_KEPT) s.lines.shift();
    };
    return {
      n: s.n,
      cached: () => {
        s.cached = true;
        s.ended = Date.now();
      },
      done: () => {
        s.ended = Date.now();
      },
      log: keep,
      output: new Writable({
        write: (chunk: Buffer, _enc, cb) => {
          const text = s.partial + chunk.toString('utf8');
          const parts = text.split(/\r?\n/);
          s.partial = parts.pop()!;
          parts.forEach(keep);
          cb();
        },
      }),
    };
  }

  note(line: string): void {
    this.notes.push(line);
  }

  finish(failed: boolean): void {
    clearInterval(this.timer);
    this.draw(true);
    const failedStep = failed ? this.steps.find((s) => s.ended === undefined) : undefined;
    if (failedStep) {
      if (failedStep.partial) failedStep.lines.push(failedStep.partial);
      this.out.write(
        [
          `------`,
          ` > ${failedStep.title}:`,
          ...failedStep.lines.map((l) => `#${failedStep.n} ${l}`),
          '------',
          '',
        ].join('\n'),
      );
    }
    for (const l of this.notes) this.out.write(l + '\n');
  }

  private seconds(from: number, to = Date.now()) {
    return `${((to - from) / 1000).toFixed(1)}s`;
  }

  /** One frame: the header, then each step; a running step shows its last output lines. */
  private draw(last: boolean): void {
    const width = Math.max(40, this.out.columns || 80);
    const fit = (text: string, right = '') => {
      const room = width - right.length - 1;
      const left = text.length > room ? text.slice(0, room - 1) + '…' : text.padEnd(room);
      return right ? `${left} ${right}` : left.trimEnd();
    };
    const finished = this.steps.filter((s) => s.ended !== undefined).length;
    const lines = [
      `[+] Building ${this.seconds(this.started)} (${finished}/${this.steps.length})${last ? ' FINISHED' : ''}`,
    ];
    for (const s of this.steps) {
      const title = ` => ${s.cached ? 'CACHED ' : ''}${s.title}`;
      lines.push(fit(title, this.seconds(s.started, s.ended)));
      if (s.ended === undefined && !last) {
        const tail = [...s.lines, ...(s.partial ? [s.partial] : [])].slice(-SHOWN_WHILE_RUNNING);
        for (const l of tail) lines.push(fit(` => => # ${l}`));
      }
    }
    // a frame taller than the terminal could not be drawn over: the header and the newest lines
    const rows = this.out.rows;
    if (rows !== undefined && rows > 2 && lines.length > rows - 1)
      lines.splice(1, lines.length - (rows - 1));
    // back to the top of the last frame, then this one over it
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A\r` : '';
    this.out.write(`${up}\x1b[J${lines.join('\n')}\n`);
    this.drawn = lines.length;
  }
}
