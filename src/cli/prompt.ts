/** A yes/no question on the terminal, as Docker asks before pruning. */
import readline from 'node:readline';
import type { Io } from './command.js';

/** Ask `question`; only a line saying `y` or `yes` counts as yes (end of input is no). */
export async function confirm(io: Io, question: string): Promise<boolean> {
  io.stdout.write(question);
  const rl = readline.createInterface({ input: io.stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
