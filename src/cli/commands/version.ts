/** `berth version`. */
import type { Command } from '../command.js';
import { VERSION } from '../version.js';

export const versionCommand: Command = {
  path: ['version'],
  usage: '',
  summary: 'Show the berth version information',
  args: { max: 0 },
  flags: [],
  async run(ctx) {
    ctx.out(`Version:     ${VERSION}`);
    ctx.out(`Node.js:     ${process.version}`);
    ctx.out(`OS/Arch:     ${process.platform}/${process.arch}`);
    return Promise.resolve();
  },
};
