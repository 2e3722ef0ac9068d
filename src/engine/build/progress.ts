/**
 * How a build shows its steps. `plain` writes BuildKit's plain lines (`#5 [stage-1 3/6] RUN make`,
 * `#5 0.312 make: Nothing to be done`, `#5 CACHED`, `#5 DONE 1.2s`); `tty` redraws BuildKit's
 * live view in place (`[+] Building 2.1s (5/9)`, one line per step with its time, the last lines
 * of a running step's output under it), and prints a failed step's whole output at the end.
 */
import { Writable } from 'node:stream';

export type ProgressMode = 'plain' | 'tty';

/** One step's reporter: its number, its end, its messages and its processes' output. */
export interface StepProgress {
  readonly n: number;
  cached(): void;
  /** The step finished; `showTime` prints its duration (steps that did real work). */
  done(showTime?: boolean): void;
  /** A message about the step (an --explain-cache line). */
  log(line: string): void;
  /** Where the step's processes write (RUN's stdout and stderr). */
  readonly stdout: Writable;
  readonly stderr: Writable;
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

/**
 * A stream cut into lines for `line`; an unfinished last line is kept until more comes, or
 * until `flush` (the step ended) or the stream's end.
 */
export function lineWriter(line: (text: string) => void): Writable & { flush(): void } {
  let partial = '';
  const flush = () => {
    if (partial) line(partial);
    partial = '';
  };
  const w = new Writable({
    write: (chunk: Buffer, _enc, cb) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop()!;
      for (const l of lines) line(l.replace(/\r$/, ''));
      cb();
    },
    final: (cb) => {
      flush();
      cb();
    },
  });
  return Object.assign(w, { flush });
}

class PlainProgress implements BuildProgress {
  private count = 0;

  constructor(private readonly out: Writable) {}

  step(title: string): StepProgress {
    const n = ++this.count;
    const say = (line: string) => this.out.write(`#${n} ${line}\n`);
    const started = Date.now();
    const seconds = (digits: number) => ((Date.now() - started) / 1000).toFixed(digits);
    say(title);
    // a process's lines as BuildKit prints them, `#5 0.312 hello` (seconds into the step), so
    // the output of steps that run at once can be told apart
    const stdout = lineWriter((l) => say(`${seconds(3)} ${l}`));
    const stderr = lineWriter((l) => say(`${seconds(3)} ${l}`));
    return {
      n,
      cached: () => say('CACHED'),
      done: (showTime) => {
        stdout.flush();
        stderr.flush();
        say(showTime ? `DONE ${seconds(1)}s` : 'DONE');
      },
      log: say,
      stdout,
      stderr,
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
  /** Its processes' streams, whose unfinished lines show too. */
  streams: { flush(): void }[];
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
      streams: [],
    };
    this.steps.push(s);
    const keep = (line: string) => {
      s.lines.push(line);
      if (s.lines.length > MAX_KEPT) s.lines.shift();
    };
    const stdout = lineWriter(keep);
    const stderr = lineWriter(keep);
    s.streams.push(stdout, stderr);
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
      stdout,
      stderr,
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
      for (const st of failedStep.streams) st.flush();
      const { n, title, lines } = failedStep;
      this.out.write(
        ['------', ` > ${title}:`, ...lines.map((l) => `#${n} ${l}`), '------', ''].join('\n'),
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
      if (s.ended === undefined && !last)
        for (const l of s.lines.slice(-SHOWN_WHILE_RUNNING)) lines.push(fit(` => => # ${l}`));
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
