/**
 * `.dockerignore`, as Docker and BuildKit read it: the file is turned into patterns like
 * moby/patternmatcher's `ignorefile.ReadAll`, and paths are matched like its `PatternMatcher`.
 *
 * Reading (parseDockerignore): a UTF-8 BOM at the start is dropped; a line starting with `#` (in
 * column 0 only) is a comment; lines are trimmed and blank ones skipped; a leading `!` is kept,
 * with the spaces after it trimmed; the rest is cleaned like Go's `path.Clean` and one leading `/`
 * is removed. So `temp/` is `temp`, and it leaves out a file named `temp` as well as a directory.
 *
 * Matching (PatternMatcher.matches): patterns are slash-separated and relative to the context.
 * `*` is any run of characters but `/`, `?` one character but `/`, `[a-z]` and `[^a-z]` are
 * classes, `\` escapes the next character, and `**` is any number of path components, including
 * none (`**\/x` is `x` at any depth, `dir/**` everything below `dir` but not `dir` itself). A path
 * is excluded when a pattern matches it or one of its parent directories; patterns apply in order,
 * a `!pattern` takes paths back in, and the last pattern that applies wins. A malformed pattern
 * (`[`, `a[`, `[]a]`, `[-]`, a trailing `\`, ...) is an InvalidArgument when the matcher is built.
 *
 * Faithfulness: upstream checks a pattern's syntax with Go's `filepath.Match`, then translates it
 * to a Go regular expression, copying most characters as they are: so classes and escapes are in
 * the end read by Go's regexp parser, not by `filepath.Match`. That makes `a\d` match `a1`,
 * `[[:digit:]]` a POSIX class, and `[z-a]` (fine for `filepath.Match`) an error, raised each time
 * the pattern is tried rather than when it is built. To give the same answers this module works
 * the same way, in three steps: the `filepath.Match` syntax check (validGlob), the same Go
 * expression (compilePattern; the `compile` conformance cases check the strings), and a
 * translation of that expression from Go's RE2 syntax to an equivalent JS RegExp (goRegexpToJs).
 * Only POSIX behaviour is implemented (on Windows `\` is a separator there, not an escape).
 *
 * Also here: the builder's questions (excludes, canSkipDir), and the deprecated one-shot check
 * (legacyMatches) and MatchesUsingParentResults, which the conformance cases exercise.
 */
import { invalidArgument } from './errors.js';

// ---------------------------------------------------------------------------------------------
// Reading a .dockerignore file

/**
 * The patterns of a `.dockerignore` file, as `ignorefile.ReadAll` reads them (see the module
 * comment). A lone `!` survives here; building a PatternMatcher rejects it.
 */
export function parseDockerignore(text: string): string[] {
  const patterns: string[] = [];
  const lines = text.split('\n');
  if (lines[0]!.startsWith('\uFEFF')) lines[0] = lines[0]!.slice(1);
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    let pattern = goTrimSpace(line);
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = goTrimSpace(pattern.slice(1));
    if (pattern !== '') {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    patterns.push(invert ? `!${pattern}` : pattern);
  }
  return patterns;
}

// ---------------------------------------------------------------------------------------------
// The matcher

/** How upstream matches a pattern: by string equality, prefix, suffix or regular expression. */
export type PatternMatchType = 'exact' | 'prefix' | 'suffix' | 'regexp';

/** One pattern of a PatternMatcher. */
export interface DockerignorePattern {
  /** The cleaned pattern, without its `!`. */
  readonly pattern: string;
  /** A `!` pattern, which takes paths back in. */
  readonly exclusion: boolean;
  /** `exact` (no wildcards), `prefix` (`dir/**`), `suffix` (leading `**`) or `regexp`. */
  readonly matchType: PatternMatchType;
  /** The Go regular expression upstream compiles a `regexp` pattern to; null for the others. */
  readonly goRegexp: string | null;
  /**
   * Whether this one pattern matches exactly `path` (no parent directories are tried). Throws an
   * InvalidArgument for a pattern whose regular expression does not compile.
   */
  test(path: string): boolean;
}

/** Per-pattern results for a directory, handed down to its entries (matchesUsingParentResults). */
export type MatchInfo = readonly boolean[];

const badPattern = (pattern: string) =>
  invalidArgument(`syntax error in pattern ${JSON.stringify(pattern)}`);

class Pattern implements DockerignorePattern {
  readonly matchType: PatternMatchType;
  readonly goRegexp: string | null;
  /** Undefined when the regular expression does not compile: every test() then fails. */
  readonly #test: ((path: string) => boolean) | undefined;

  constructor(
    readonly pattern: string,
    readonly exclusion: boolean,
  ) {
    const compiled = compilePattern(pattern);
    this.matchType = compiled.matchType;
    this.goRegexp = compiled.goRegexp;
    this.#test = this.#tester();
  }

  test(path: string): boolean {
    if (!this.#test) throw badPattern(this.pattern);
    return this.#test(path);
  }

  #tester(): ((path: string) => boolean) | undefined {
    const p = this.pattern;
    switch (this.matchType) {
      case 'exact':
        return (path) => path === p;
      case 'prefix': {
        const prefix = p.slice(0, -2); // without the trailing **
        return (path) => path.startsWith(prefix);
      }
      case 'suffix': {
        const suffix = p.slice(2); // without the leading **
        // `**/foo` also matches `foo` itself
        return (path) => path.endsWith(suffix) || (suffix[0] === '/' && path === suffix.slice(1));
      }
      case 'regexp': {
        let re: RegExp;
        try {
          re = goRegexpToJs(this.goRegexp!);
        } catch {
          return undefined;
        }
        return (path) => re.test(path);
      }
    }
  }
}

/**
 * The patterns of a `.dockerignore` file, ready to match paths. Building it trims each pattern,
 * drops empty ones, cleans the rest (`path.Clean`) and reads a leading `!`; a lone `!` or a
 * pattern `filepath.Match` finds malformed is an InvalidArgument.
 */
export class PatternMatcher {
  readonly patterns: readonly DockerignorePattern[];
  /** Whether any pattern is a `!` pattern. */
  readonly hasExclusions: boolean;
  readonly #patterns: Pattern[] = [];

  constructor(patterns: readonly string[]) {
    for (const raw of patterns) {
      let p = goTrimSpace(raw);
      if (p === '') continue;
      p = cleanPath(p);
      const exclusion = p.startsWith('!');
      if (exclusion) {
        if (p.length === 1) throw invalidArgument('illegal exclusion pattern: "!"');
        p = p.slice(1);
      }
      if (!validGlob(p)) throw badPattern(p);
      this.#patterns.push(new Pattern(p, exclusion));
    }
    this.patterns = this.#patterns;
    this.hasExclusions = this.#patterns.some((p) => p.exclusion);
  }

  /**
   * Whether `path` (slash-separated, relative to the context, used as given) is excluded: the
   * last pattern matching it or one of its parent directories is not a `!` pattern
   * (`MatchesOrParentMatches`). Throws an InvalidArgument if a pattern that has to be tried does
   * not compile.
   */
  matches(path: string): boolean {
    const parents = parentDirs(path);
    let matched = false;
    for (const p of this.#patterns) {
      // a pattern can only change the answer to its own polarity
      if (p.exclusion !== matched) continue;
      if (p.test(path) || parents.some((dir) => p.test(dir))) matched = !p.exclusion;
    }
    return matched;
  }

  /**
   * `matches` for a walk of the context from the top (`MatchesUsingParentResults`): pass the
   * `info` returned for an entry's directory (or nothing at the top, or when it is not known) and
   * get the same answer without trying the parents again.
   */
  matchesUsingParentResults(
    path: string,
    parentInfo: MatchInfo = [],
  ): { matched: boolean; info: MatchInfo } {
    if (parentInfo.length !== 0 && parentInfo.length !== this.#patterns.length) {
      throw invalidArgument('wrong number of values in parentMatched');
    }
    let matched = false;
    const info = this.#patterns.map((p, i) => {
      let match = parentInfo[i] ?? false;
      if (!match) {
        if (p.exclusion !== matched) return false;
        match =
          p.test(path) || (parentInfo.length === 0 && parentDirs(path).some((d) => p.test(d)));
      }
      if (match) matched = !p.exclusion;
      return match;
    });
    return { matched, info };
  }
}

/**
 * Docker's old one-shot check, deprecated upstream (package-level `Matches`) and kept for its
 * conformance cases only: it cleans `path`, never excludes `.`, and tries only one parent of the
 * path, the one with as many components as the pattern. Use PatternMatcher.matches instead.
 */
export function legacyMatches(path: string, patterns: readonly string[]): boolean {
  const matcher = new PatternMatcher(patterns);
  const file = cleanPath(path);
  if (file === '.') return false;
  const parent = goDir(file);
  const parentParts = parent.split('/');
  let matched = false;
  for (const p of matcher.patterns) {
    if (p.exclusion !== matched) continue;
    let match = p.test(file);
    const depth = p.pattern.split('/').length;
    if (!match && parent !== '.' && depth <= parentParts.length) {
      match = p.test(parentParts.slice(0, depth).join('/'));
    }
    if (match) matched = !p.exclusion;
  }
  return matched;
}

// ---------------------------------------------------------------------------------------------
// The builder's questions

/**
 * What the context walk does with one entry:
 * - `keep`: send it (and walk it, for a directory);
 * - `exclude`: leave it out, but walk it (a directory): a `!` pattern may take back something
 *   inside, and the directory is then sent only as the parent of what is kept;
 * - `prune`: a directory left out with everything in it: it need not be walked.
 */
export type ExcludeDecision = 'keep' | 'exclude' | 'prune';

/**
 * Whether the entry at `relPath` (slash-separated, relative to the context root; cleaned here)
 * goes into the build context. Whether it is a directory does not change whether it is excluded
 * (`temp/` leaves out a file named `temp` too), only whether the walk may skip what is inside.
 * The context root itself is never excluded.
 */
export function excludes(
  matcher: PatternMatcher,
  relPath: string,
  isDir: boolean,
): ExcludeDecision {
  const path = cleanPath(relPath);
  if (path === '.' || !matcher.matches(path)) return 'keep';
  return isDir && canSkipDir(matcher, path) ? 'prune' : 'exclude';
}

/**
 * The builder's verdicts for a walk from the top, as BuildKit's context walker (fsutil) gives
 * them: each directory's per-pattern results are kept and handed to its entries
 * (MatchesUsingParentResults), so an entry is tried against the patterns once. The answers are
 * those of `excludes` (MatchesOrParentMatches, the classic builder's) except where a `!` pattern
 * names a parent directory of what an earlier pattern excludes: with `a/b` then `!a`, BuildKit
 * (and this) leaves `a/b` out, the classic builder keeps it.
 */
export function walkFilter(
  matcher: PatternMatcher,
): (relPath: string, isDir: boolean) => ExcludeDecision {
  const dirs = new Map<string, MatchInfo>();
  const parentOf = (path: string) => {
    const slash = path.lastIndexOf('/');
    return slash < 0 ? '' : path.slice(0, slash);
  };
  const infoOf = (dir: string): MatchInfo => {
    if (dir === '') return [];
    let info = dirs.get(dir);
    if (!info) {
      info = matcher.matchesUsingParentResults(dir, infoOf(parentOf(dir))).info;
      dirs.set(dir, info);
    }
    return info;
  };
  // a walk's paths are already clean: cleaning them again is most of the cost of a verdict
  const unclean = /(^|\/)\.\.?(\/|$)|\/\/|^\/|\/$|^$/;
  return (relPath, isDir) => {
    const path = unclean.test(relPath) ? cleanPath(relPath) : relPath;
    if (path === '.' || path.startsWith('../') || path === '..')
      return path === '.' ? 'keep' : excludes(matcher, path, isDir);
    const { matched, info } = matcher.matchesUsingParentResults(path, infoOf(parentOf(path)));
    if (isDir) dirs.set(path, info);
    if (!matched) return 'keep';
    return isDir && canSkipDir(matcher, path) ? 'prune' : 'exclude';
  };
}

/**
 * Whether an excluded directory `dir` may be skipped with everything in it: no `!` pattern can
 * take back something inside it. Everything that matches `dir` also matches what is inside it (it
 * matches a parent), so only a `!` pattern that matches something inside `dir` without matching
 * `dir` can change an answer. A pattern without wildcards (`!dir/keep.txt`), or of the form
 * `!prefix/**`, does that only if it starts with `dir/`; any other `!` pattern (`!**\/*.go`,
 * `!dir/*.txt`) might, so the directory has to be walked. This is BuildKit's rule, slightly
 * widened; the classic builder's rule also skipped directories that `!**\/x` reaches into.
 */
export function canSkipDir(matcher: PatternMatcher, dir: string): boolean {
  const inside = `${cleanPath(dir)}/`;
  return matcher.patterns.every(
    (p) =>
      !p.exclusion ||
      ((p.matchType === 'exact' || p.matchType === 'prefix') && !p.pattern.startsWith(inside)),
  );
}

// ---------------------------------------------------------------------------------------------
// Step 1: filepath.Match's syntax check

/**
 * Whether Go's `filepath.Match` (POSIX) accepts `pattern`. It reads the whole pattern whatever
 * the name, so this is the same as its error result: a `\` must escape something, and a `[` must
 * open a class of one or more characters or ranges (`a`, `a-z`, `\]`), optionally negated with
 * `^`, closed by `]`; `-` and `]` cannot start a range or end one.
 */
function validGlob(pattern: string): boolean {
  const s = Array.from(pattern);
  // a character in a class: its index after, or -1 if it is malformed
  const classChar = (i: number): number => {
    if (i >= s.length || s[i] === '-' || s[i] === ']') return -1;
    if (s[i] === '\\' && ++i >= s.length) return -1;
    return i + 1 < s.length ? i + 1 : -1; // the class must go on
  };
  let i = 0;
  while (i < s.length) {
    if (s[i] === '\\') {
      if (i + 1 >= s.length) return false;
      i += 2;
    } else if (s[i] === '[') {
      i++;
      if (s[i] === '^') i++;
      for (let ranges = 0; !(s[i] === ']' && ranges > 0); ranges++) {
        i = classChar(i);
        if (i < 0) return false;
        if (s[i] === '-') {
          i = classChar(i + 1);
          if (i < 0) return false;
        }
      }
      i++;
    } else {
      i++;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Step 2: the Go regular expression upstream builds

/** Regular expression characters that mean nothing to filepath.Match: upstream escapes them. */
const regexpOnly = new Set('.+()|{}$');

/**
 * Upstream's translation of a cleaned pattern. Most characters are copied: `*` becomes `[^/]*`,
 * `?` `[^/]`, `\x` stays `\x`, `[` and `]` stay; `**` (with a `/` after it) becomes an optional
 * group of anything ending in `/`, or at the end `.*`. A pattern with none of these is matched as
 * a string (`exact`); one whose only wildcard is a final `**` by prefix; one starting with `**`
 * and with no other wildcard after it by suffix.
 */
function compilePattern(pattern: string): {
  matchType: PatternMatchType;
  goRegexp: string | null;
} {
  const s = Array.from(pattern);
  let re = '^';
  let type: PatternMatchType = 'exact';
  for (let i = 0; i < s.length; i++) {
    const start = i;
    const c = s[i]!;
    if (c === '*' && s[i + 1] === '*') {
      i++;
      if (s[i + 1] === '/') i++;
      if (i + 1 < s.length) {
        re += '(.*/)?';
        type = 'regexp';
      } else if (type === 'exact') {
        type = 'prefix';
      } else {
        re += '.*';
        type = 'regexp';
      }
      if (start === 0) type = 'suffix';
    } else if (c === '*') {
      re += '[^/]*';
      type = 'regexp';
    } else if (c === '?') {
      re += '[^/]';
      type = 'regexp';
    } else if (regexpOnly.has(c)) {
      re += `\\${c}`;
    } else if (c === '\\') {
      // a trailing \ is left alone (filepath.Match rejects it anyway)
      if (i + 1 < s.length) {
        re += `\\${s[++i]}`;
        type = 'regexp';
      } else {
        re += '\\';
      }
    } else if (c === '[' || c === ']') {
      re += c;
      type = 'regexp';
    } else {
      re += c;
    }
  }
  return { matchType: type, goRegexp: type === 'regexp' ? `${re}$` : null };
}

// ---------------------------------------------------------------------------------------------
// Step 3: Go regular expression -> JS RegExp

/** A range of code points. */
type Range = readonly [number, number];

const perlClasses: Record<string, Range[]> = {
  d: [[0x30, 0x39]],
  s: [
    [0x09, 0x0a],
    [0x0c, 0x0d],
    [0x20, 0x20],
  ],
  w: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
};

const posixClasses: Record<string, Range[]> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0x00, 0x7f]],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  cntrl: [
    [0x00, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: perlClasses.w!,
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};

/** A code point in a JS `u` regular expression, in or out of a class. */
const lit = (cp: number): string =>
  /^[A-Za-z0-9_]$/.test(String.fromCodePoint(cp))
    ? String.fromCodePoint(cp)
    : `\\u{${cp.toString(16)}}`;

/** The items of a JS class for `ranges`, or for everything else when `negate`. */
function rangeItems(ranges: readonly Range[], negate = false): string {
  let rs = ranges;
  if (negate) {
    const out: Range[] = [];
    let next = 0;
    for (const [lo, hi] of [...ranges].sort((a, b) => a[0] - b[0])) {
      if (lo > next) out.push([next, lo - 1]);
      next = Math.max(next, hi + 1);
    }
    if (next <= 0x10ffff) out.push([next, 0x10ffff]);
    rs = out;
  }
  return rs.map(([lo, hi]) => (lo === hi ? lit(lo) : `${lit(lo)}-${lit(hi)}`)).join('');
}

/**
 * A class escape at `s[i]` (a `\`): Perl's `\d \s \w` and their negations, or a Unicode
 * category `\pL` / `\PL` (JS's property escapes use the same names). Returns JS class items and
 * the index after it, or undefined if it is no class escape.
 */
function classEscape(s: string[], i: number): { items: string; next: number } | undefined {
  const c = s[i + 1];
  if (c === undefined) return undefined;
  if ('dswDSW'.includes(c)) {
    return { items: rangeItems(perlClasses[c.toLowerCase()]!, c !== c.toLowerCase()), next: i + 2 };
  }
  if (c !== 'p' && c !== 'P') return undefined;
  // one-letter names only: compilePattern always escapes `{`, so `\p{Greek}` cannot occur
  const name = s[i + 2] ?? '';
  if (/^[CLMNPSZ]$/.test(name)) return { items: `\\${c}{${name}}`, next: i + 3 };
  throw new Error('invalid character class range');
}

/** Go's escape of one character at `s[i]` (a `\`): its code point and the index after it. */
function parseEscape(s: string[], i: number): [number, number] {
  const c = s[i + 1];
  if (c === undefined) throw new Error('trailing backslash at end of expression');
  const code = c.codePointAt(0)!;
  let j = i + 2;
  if (code < 0x80 && !/[0-9A-Za-z]/.test(c)) return [code, j]; // punctuation stands for itself
  const octal = (x: string | undefined) => x !== undefined && x >= '0' && x <= '7';
  // \0, \0nn, \nn or \nnn in octal; \1 alone would be a backreference, which Go does not have
  if (c === '0' || (octal(c) && octal(s[j]))) {
    let r = code - 0x30;
    for (let k = 1; k < 3 && octal(s[j]); k++) r = r * 8 + s[j++]!.charCodeAt(0) - 0x30;
    return [r, j];
  }
  const hex = (x: string | undefined) =>
    x !== undefined && /^[0-9A-Fa-f]$/.test(x) ? parseInt(x, 16) : -1;
  if (c === 'x') {
    if (s[j] === '{') {
      let r = 0;
      for (j++; s[j] !== '}'; j++) {
        const v = hex(s[j]);
        if (v < 0 || (r = r * 16 + v) > 0x10ffff) throw new Error('invalid escape sequence');
      }
      if (j === i + 3) throw new Error('invalid escape sequence'); // \x{}
      return [r, j + 1];
    }
    const [x, y] = [hex(s[j]), hex(s[j + 1])];
    if (x < 0 || y < 0) throw new Error('invalid escape sequence');
    return [x * 16 + y, j + 2];
  }
  const control: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
  if (control[c] !== undefined) return [control[c], j];
  throw new Error('invalid escape sequence');
}

/** A class at `s[i]` (a `[`), read with Go's rules: a JS class and the index after it. */
function parseClass(s: string[], i: number): [string, number] {
  i++;
  const negated = s[i] === '^';
  if (negated) i++;
  const items: string[] = [];
  // a character: its code point and the index after it
  const classChar = (k: number): [number, number] => {
    if (k >= s.length) throw new Error('missing closing ]');
    return s[k] === '\\' ? parseEscape(s, k) : [s[k]!.codePointAt(0)!, k + 1];
  };
  // `]` right after `[` or `[^` is a character; `-` is one anywhere it cannot make a range
  for (let first = true; s[i] !== ']' || first; first = false) {
    if (i >= s.length) throw new Error('missing closing ]');
    if (s[i] === '[' && s[i + 1] === ':' && i + 2 < s.length) {
      // a POSIX class [:alpha:] or [:^alpha:]; Go looks for the `:]` anywhere after
      let end = -1;
      for (let k = i + 2; k + 1 < s.length && end < 0; k++)
        if (s[k] === ':' && s[k + 1] === ']') end = k;
      if (end >= 0) {
        const name = s.slice(i + 2, end).join('');
        const bare = name.replace(/^\^/, '');
        const ranges = Object.hasOwn(posixClasses, bare) ? posixClasses[bare] : undefined;
        if (!ranges) throw new Error('invalid character class range');
        items.push(rangeItems(ranges, name.startsWith('^')));
        i = end + 2;
        continue;
      }
    }
    const escape = s[i] === '\\' ? classEscape(s, i) : undefined;
    if (escape) {
      items.push(escape.items);
      i = escape.next;
      continue;
    }
    let lo: number, hi: number;
    [lo, i] = classChar(i);
    hi = lo;
    if (s[i] === '-' && i + 1 < s.length && s[i + 1] !== ']') {
      [hi, i] = classChar(i + 1);
      if (hi < lo) throw new Error('invalid character class range');
    }
    items.push(rangeItems([[lo, hi]]));
  }
  return [`[${negated ? '^' : ''}${items.join('')}]`, i + 1];
}

/**
 * An expression compilePattern built, read with Go's (RE2) syntax, as an equivalent JS RegExp
 * (`u` flag: code points, like Go's runes). Throws where Go's `regexp.Compile` fails. It covers
 * what compilePattern can produce: literals, escapes (`\.`, `\d`, `\pL`, `\x41`, `\Q...\E`, `\b`,
 * `\A`, `\z`...), classes with Go's rules (POSIX classes, escapes, ranges checked in order), `.`
 * (not `\n`), `^`, `$`, groups and the `*` / `?` that follow them.
 */
function goRegexpToJs(source: string): RegExp {
  const s = Array.from(source);
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === '[') {
      let cls: string;
      [cls, i] = parseClass(s, i);
      out += cls;
    } else if (c === '\\') {
      const next = s[i + 1];
      if (next === 'A' || next === 'z' || next === 'b' || next === 'B') {
        out += next === 'A' ? '^' : next === 'z' ? '$' : `\\${next}`;
        i += 2;
      } else if (next === 'C') {
        throw new Error('invalid escape sequence');
      } else if (next === 'Q') {
        // literal text up to \E or the end
        let end = i + 2;
        while (end < s.length && !(s[end] === '\\' && s[end + 1] === 'E')) end++;
        for (const ch of s.slice(i + 2, end)) out += lit(ch.codePointAt(0)!);
        i = end + 2;
      } else {
        const escape = classEscape(s, i);
        if (escape) {
          out += `[${escape.items}]`;
          i = escape.next;
        } else {
          let cp: number;
          [cp, i] = parseEscape(s, i);
          out += lit(cp);
        }
      }
    } else if (c === '.') {
      out += '[^\\n]';
      i++;
    } else if (c === '(') {
      out += '(?:';
      i++;
    } else if ('^$)*?+|'.includes(c)) {
      out += c;
      i++;
    } else {
      out += lit(c.codePointAt(0)!);
      i++;
    }
  }
  return new RegExp(out, 'u');
}

// ---------------------------------------------------------------------------------------------
// Go's string and path helpers

/** Unicode White_Space, as Go's `strings.TrimSpace` trims it (JS's trim() differs: U+0085, BOM). */
const whiteSpace =
  '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const edgeSpace = new RegExp(`^[${whiteSpace}]+|[${whiteSpace}]+$`, 'g');

/** Go's `strings.TrimSpace`. */
const goTrimSpace = (s: string): string => s.replace(edgeSpace, '');

/** Go's `path.Clean`: drops empty and `.` elements and resolves `..` lexically. */
function cleanPath(path: string): string {
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else {
      out.push(part);
    }
  }
  const joined = out.join('/');
  return rooted ? `/${joined}` : joined || '.';
}

/** Go's `path.Dir`: all but the last element, cleaned. */
function goDir(path: string): string {
  return cleanPath(path.slice(0, path.lastIndexOf('/') + 1));
}

/** The parent directories of `path`, from the top (`a`, `a/b` for `a/b/c`); none at the top. */
function parentDirs(path: string): string[] {
  const parent = goDir(path);
  if (parent === '.') return [];
  const parts = parent.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}
