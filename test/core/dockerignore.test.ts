// Runs every case of test/conformance/dockerignore/cases.json (moby/patternmatcher's test tables
// as data, from ../shared/conformance; see its README.md for how each group runs) against
// src/core/dockerignore.ts, then a few cases of our own. We are POSIX, so the posixOnly cases run
// too (upstream skips them only on Windows).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  PatternMatcher,
  canSkipDir,
  excludes,
  legacyMatches,
  parseDockerignore,
  walkFilter,
  type MatchInfo,
} from '../../src/core/dockerignore.js';
import { isBerthError } from '../../src/core/errors.js';

interface Cases {
  matches: { cases: { patterns: string[]; path: string; match: boolean; posixOnly?: boolean }[] };
  legacyMatches: {
    cases: {
      test: string;
      patterns: string[];
      path: string;
      match: boolean;
      error: boolean;
      posixOnly?: boolean;
    }[];
  };
  newMatcher: {
    cases: { patterns: string[]; error: boolean; patternCount?: number; hasExclusions?: boolean }[];
  };
  badPatternAtMatchTime: {
    cases: {
      patterns: string[];
      newError: boolean;
      path: string;
      calls: number;
      eachCallError: string;
    }[];
  };
  compile: {
    cases: { pattern: string; matchType: string; regexp: string | null; windowsRegexp: unknown }[];
  };
  ignorefile: { cases: { content: string; expected: string[] }[] };
}

const casesUrl = new URL('../conformance/dockerignore/cases.json', import.meta.url);
const data = JSON.parse(readFileSync(casesUrl, 'utf8')) as Cases;

const invalid = (e: unknown) => isBerthError(e, 'InvalidArgument');
const show = (patterns: string[]) => JSON.stringify(patterns);

/** Upstream's walk: feed each parent directory's results to the next, from the top. */
function matchesWalkingDown(m: PatternMatcher, path: string): boolean {
  const slash = path.lastIndexOf('/');
  const parent = slash < 0 ? '.' : cleanForTest(path.slice(0, slash + 1));
  let info: MatchInfo = [];
  if (parent !== '.') {
    const parts = parent.split('/');
    parts.forEach((_, i) => {
      ({ info } = m.matchesUsingParentResults(parts.slice(0, i + 1).join('/'), info));
    });
  }
  return m.matchesUsingParentResults(path, info).matched;
}

/** Go's path.Clean, for the few shapes the cases use (`dir/file/`, `/`). */
function cleanForTest(p: string): string {
  const rooted = p.startsWith('/');
  const parts = p.split('/').filter((x) => x !== '' && x !== '.');
  return (rooted ? '/' : '') + parts.join('/') || '.';
}

describe('dockerignore conformance: matches (MatchesOrParentMatches)', () => {
  const { cases } = data.matches;
  it('has all 72 cases', () => assert.equal(cases.length, 72));
  cases.forEach((c, i) => {
    it(`#${i} ${show(c.patterns)} ${JSON.stringify(c.path)} -> ${c.match}`, () => {
      const m = new PatternMatcher(c.patterns);
      assert.equal(m.matches(c.path), c.match, 'matches');
      assert.equal(matchesWalkingDown(m, c.path), c.match, 'walking down');
      assert.equal(m.matchesUsingParentResults(c.path).matched, c.match, 'no parent results');
      // the builder's walk filter, asked about the parents first as a walk does, agrees
      const filter = walkFilter(m);
      const parts = cleanForTest(c.path).split('/');
      parts.slice(0, -1).forEach((_, i) => filter(parts.slice(0, i + 1).join('/'), true));
      assert.equal(filter(c.path, false) !== 'keep', c.match, 'walk filter');
      assert.equal(walkFilter(m)(c.path, false) !== 'keep', c.match, 'walk filter, cold');
    });
  });
});

describe('dockerignore conformance: legacyMatches (deprecated Matches)', () => {
  const { cases } = data.legacyMatches;
  it('has all 65 cases', () => assert.equal(cases.length, 65));
  cases.forEach((c, i) => {
    const outcome = c.error ? 'error' : String(c.match);
    it(`#${i} ${c.test} ${show(c.patterns)} ${JSON.stringify(c.path)} -> ${outcome}`, () => {
      if (c.error) {
        assert.throws(() => legacyMatches(c.path, c.patterns), invalid);
      } else {
        assert.equal(legacyMatches(c.path, c.patterns), c.match);
      }
    });
  });
});

describe('dockerignore conformance: newMatcher', () => {
  const { cases } = data.newMatcher;
  it('has all 6 cases', () => assert.equal(cases.length, 6));
  cases.forEach((c, i) => {
    it(`#${i} ${show(c.patterns)}`, () => {
      if (c.error) {
        assert.throws(() => new PatternMatcher(c.patterns), invalid);
        return;
      }
      const m = new PatternMatcher(c.patterns);
      if (c.patternCount !== undefined) assert.equal(m.patterns.length, c.patternCount);
      if (c.hasExclusions !== undefined) assert.equal(m.hasExclusions, c.hasExclusions);
    });
  });
});

describe('dockerignore conformance: badPatternAtMatchTime', () => {
  const { cases } = data.badPatternAtMatchTime;
  it('has 1 case', () => assert.equal(cases.length, 1));
  cases.forEach((c, i) => {
    it(`#${i} ${show(c.patterns)}: every call fails`, () => {
      assert.equal(c.newError, false);
      const m = new PatternMatcher(c.patterns);
      for (let call = 0; call < c.calls; call++) {
        assert.throws(
          () => m.matches(c.path),
          (e: unknown) => invalid(e) && (e as Error).message.startsWith(c.eachCallError),
        );
        assert.throws(() => m.matchesUsingParentResults(c.path), invalid);
      }
    });
  });
});

describe('dockerignore conformance: compile', () => {
  const { cases } = data.compile;
  it('has all 21 cases', () => assert.equal(cases.length, 21));
  // windowsRegexp is the Windows form (`\` as separator), which we do not implement
  cases.forEach((c, i) => {
    it(`#${i} ${JSON.stringify(c.pattern)} is ${c.matchType}`, () => {
      const [p] = new PatternMatcher([c.pattern]).patterns;
      assert.equal(p!.matchType, c.matchType);
      assert.equal(p!.goRegexp, c.regexp);
      assert.doesNotThrow(() => p!.test('x'));
    });
  });
});

describe('dockerignore conformance: ignorefile (ReadAll)', () => {
  const { cases } = data.ignorefile;
  it('has 1 case', () => assert.equal(cases.length, 1));
  cases.forEach((c, i) => {
    it(`#${i} reads the patterns`, () => {
      assert.deepEqual(parseDockerignore(c.content), c.expected);
    });
  });
  it('no input gives no patterns', () => assert.deepEqual(parseDockerignore(''), []));
});

describe('dockerignore: the seeds example', () => {
  const file = '# build junk\n*.log\ntemp/\ndata/*\n!data/important-data.json\n';
  const m = new PatternMatcher(parseDockerignore(file));

  it('reads the file', () => {
    assert.deepEqual(parseDockerignore(file), [
      '*.log',
      'temp',
      'data/*',
      '!data/important-data.json',
    ]);
    assert.equal(m.hasExclusions, true);
  });

  it('matches paths', () => {
    const expected: Record<string, boolean> = {
      'app.log': true,
      'src/app.log': false, // `*` does not cross `/`: only top-level logs
      'logs.d/x': false,
      temp: true,
      'temp/a/b.txt': true, // a parent matches
      data: false, // `data/*` is what is in data, not data
      'data/a.csv': true,
      'data/sub/deep.json': true,
      'data/important-data.json': false, // taken back in
      'data/important-data.json.bak': true,
      Dockerfile: false,
    };
    for (const [path, want] of Object.entries(expected)) {
      assert.equal(m.matches(path), want, path);
    }
  });

  it('tells the builder what to walk', () => {
    const filter = walkFilter(m);
    for (const [p, dir] of [
      ['.', true],
      ['Dockerfile', false],
      ['app.log', false],
      ['temp', false],
      ['temp', true],
      ['./temp/', true],
      ['data', true],
      ['data/sub', true],
      ['data/important-data.json', false],
    ] as const)
      assert.equal(filter(p, dir), excludes(m, p, dir), p);
    assert.equal(excludes(m, '.', true), 'keep');
    assert.equal(excludes(m, 'Dockerfile', false), 'keep');
    assert.equal(excludes(m, 'app.log', false), 'exclude');
    assert.equal(excludes(m, 'temp', false), 'exclude'); // a file named temp
    assert.equal(excludes(m, 'temp', true), 'prune');
    assert.equal(excludes(m, './temp/', true), 'prune'); // cleaned first
    assert.equal(excludes(m, 'data', true), 'keep');
    assert.equal(excludes(m, 'data/sub', true), 'prune');
    assert.equal(excludes(m, 'data/important-data.json', false), 'keep');
  });

  it("walks as BuildKit's context walker does where the classic builder differs", () => {
    const m = new PatternMatcher(['a/b', '!a']);
    assert.equal(excludes(m, 'a/b', false), 'keep'); // MatchesOrParentMatches
    const walk = walkFilter(m);
    assert.equal(walk('a', true), 'keep');
    assert.equal(walk('a/b', false), 'exclude'); // MatchesUsingParentResults, as fsutil
  });

  it('walks an excluded directory that a ! pattern may reach into', () => {
    const keepInside = new PatternMatcher(['data', '!data/important-data.json']);
    assert.equal(excludes(keepInside, 'data', true), 'exclude');
    assert.equal(excludes(keepInside, 'data/important-data.json', false), 'keep');
    const anywhere = new PatternMatcher(['temp', '!**/*.keep']);
    assert.equal(canSkipDir(anywhere, 'temp'), false);
    assert.equal(anywhere.matches('temp/a/b.keep'), false);
    const prefix = new PatternMatcher(['temp', '!temp/keep/**']);
    assert.equal(canSkipDir(prefix, 'temp'), false);
    assert.equal(canSkipDir(prefix, 'temp/other'), true);
    assert.equal(canSkipDir(prefix, 'temp/keep/x'), true); // the ! pattern matches it already
    assert.equal(canSkipDir(new PatternMatcher(['temp']), 'temp'), true);
  });
});

describe('dockerignore: reading details', () => {
  it('drops a BOM, CRs, and comments only in column 0', () => {
    const text = '\uFEFF# c\r\n  # not a comment\r\n\t./a/../b/\r\n!  /c\r\n/\r\n\u0085x\u00a0\n';
    assert.deepEqual(parseDockerignore(text), ['# not a comment', 'b', '!c', '/', 'x']);
  });
  it('keeps a BOM that is not at the start', () => {
    assert.deepEqual(parseDockerignore('a\n\uFEFFb'), ['a', '\uFEFFb']);
  });
  it('builds a matcher: trims, cleans, rejects a lone ! and bad syntax', () => {
    const m = new PatternMatcher(['  a/./b/  ', '', '!c//d']);
    assert.deepEqual(
      m.patterns.map((p) => [p.pattern, p.exclusion]),
      [
        ['a/b', false],
        ['c/d', true],
      ],
    );
    assert.throws(() => new PatternMatcher(['!']), /illegal exclusion pattern/);
    for (const bad of ['a[', '[]', '[^]', 'x\\', '[a-]', '[\\', '[a\\]']) {
      assert.throws(() => new PatternMatcher([bad]), invalid, bad);
    }
  });
});

describe('dockerignore: upstream quirks kept', () => {
  // Upstream hands classes and escapes to Go's regexp parser, not to filepath.Match.
  const matches = (pattern: string, path: string) => new PatternMatcher([pattern]).matches(path);

  it('reads escapes as Go regexp escapes', () => {
    assert.equal(matches('a\\d', 'a1'), true);
    assert.equal(matches('a\\d', 'ad'), false);
    assert.equal(matches('a\\.b', 'a.b'), true);
    assert.equal(matches('a\\x41', 'aA'), true);
    // \Q quotes the rest of the expression, its closing `$` included
    assert.equal(matches('\\Qa*', 'a[^/]*$'), true);
    assert.equal(matches('\\Qa*', 'abc'), false);
    assert.throws(() => matches('a\\q', 'aq'), invalid); // not a Go escape: error at match time
    assert.throws(() => matches('a\\é', 'aé'), invalid);
  });

  it('reads classes with Go regexp rules', () => {
    assert.equal(matches('[[:digit:]]x', '5x'), true);
    assert.equal(matches('[[:digit:]]x', ':x'), false);
    assert.equal(matches('[\\d]', '7'), true);
    assert.equal(matches('[a?]', 'a]'), true); // `?` is `[^/]` inside the class
    assert.equal(matches('[a?]', '?'), false);
    assert.equal(matches('[\\pL]', 'é'), true);
    assert.throws(() => matches('[[:nope:]]', 'x'), invalid);
    assert.throws(() => matches('[x-?]', 'x'), invalid); // `x-[` is out of order
  });

  it('fails only when the bad pattern is tried', () => {
    const m = new PatternMatcher(['a', '[z-a]']);
    assert.equal(m.matches('a'), true); // already matched: the second is skipped
    assert.throws(() => m.matches('b'), invalid);
  });

  it('matches code points and newlines like Go', () => {
    assert.equal(matches('a?b', 'a😀b'), true);
    assert.equal(matches('a/**', 'a/x\ny'), true); // prefix match
    assert.equal(matches('x*/**', 'xy/a\nb'), false); // `.` does not match \n
    assert.equal(matches('x*/**', 'xy/ab'), true);
  });
});
