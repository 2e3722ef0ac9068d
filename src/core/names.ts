/**
 * Container names: Docker's rules (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`) and random
 * `adjective_surname` names like Docker's, from a shorter list.
 */
import { invalidArgument } from './errors.js';

const adjectives = [
  'admiring',
  'agitated',
  'amazing',
  'awesome',
  'blissful',
  'bold',
  'brave',
  'charming',
  'clever',
  'cool',
  'dazzling',
  'determined',
  'eager',
  'ecstatic',
  'elegant',
  'epic',
  'festive',
  'focused',
  'friendly',
  'funny',
  'gallant',
  'gifted',
  'happy',
  'hopeful',
  'inspiring',
  'jolly',
  'keen',
  'kind',
  'laughing',
  'loving',
  'lucid',
  'magical',
  'modest',
  'musing',
  'nice',
  'nifty',
  'nostalgic',
  'optimistic',
  'peaceful',
  'pensive',
  'practical',
  'priceless',
  'quirky',
  'relaxed',
  'serene',
  'sharp',
  'stoic',
  'sweet',
  'tender',
  'thirsty',
  'trusting',
  'upbeat',
  'vibrant',
  'vigilant',
  'wizardly',
  'wonderful',
  'youthful',
  'zealous',
  'zen',
];
const surnames = [
  'agnesi',
  'allen',
  'babbage',
  'bardeen',
  'bartik',
  'bell',
  'booth',
  'borg',
  'carson',
  'cerf',
  'clarke',
  'curie',
  'darwin',
  'dijkstra',
  'einstein',
  'euclid',
  'euler',
  'faraday',
  'fermat',
  'feynman',
  'franklin',
  'galileo',
  'gauss',
  'goldberg',
  'goodall',
  'hamilton',
  'hawking',
  'heisenberg',
  'hopper',
  'hypatia',
  'jackson',
  'johnson',
  'kepler',
  'knuth',
  'lamarr',
  'lamport',
  'liskov',
  'lovelace',
  'mccarthy',
  'meitner',
  'morse',
  'newton',
  'noether',
  'pascal',
  'pike',
  'ritchie',
  'shannon',
  'sinoussi',
  'thompson',
  'torvalds',
  'turing',
  'wilson',
  'wozniak',
];

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Check a user-given name (a leading `/`, as Docker stores names, is accepted). */
export function validateContainerName(name: string): string {
  const n = name.startsWith('/') ? name.slice(1) : name;
  if (!NAME.test(n))
    throw invalidArgument(
      `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  return n;
}

/** A random name; `random` returns numbers in [0, 1) (Math.random in production). */
export function randomContainerName(random: () => number, attempt = 0): string {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const base = `${pick(adjectives)}_${pick(surnames)}`;
  return attempt > 0 ? `${base}${Math.floor(random() * 10)}` : base;
}
