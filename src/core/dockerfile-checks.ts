/**
 * Build checks (pure): BuildKit's Dockerfile lint rules that can be decided from the file alone,
 * with BuildKit's names and messages, and the `# check=` directive (or the
 * `BUILDKIT_DOCKERFILE_CHECK` build argument) that skips rules or turns findings into an error:
 *
 *     # check=skip=JSONArgsRecommended,StageNameCasing;error=true
 *     # check=skip=all
 *
 * Rules that need the base image (UndefinedVar, InvalidBaseImagePlatform) or are experimental
 * in BuildKit (CopyIgnoredFile, InvalidDefinitionDescription) are not run.
 */
import type { Node, ParseResult } from './dockerfile/ast.js';
import { invalidArgument } from './errors.js';

export interface CheckFinding {
  rule: string;
  message: string;
  line: number;
}

export interface CheckConfig {
  /** Rules not to run; `all` for none at all. */
  skip: Set<string> | 'all';
  /** Findings fail the build. */
  error: boolean;
}

/** Every rule this module runs, by BuildKit's name. */
export const CHECK_RULES = [
  'StageNameCasing',
  'FromAsCasing',
  'NoEmptyContinuation',
  'ConsistentInstructionCasing',
  'DuplicateStageName',
  'ReservedStageName',
  'JSONArgsRecommended',
  'MaintainerDeprecated',
  'UndefinedArgInFrom',
  'WorkdirRelativePath',
  'MultipleInstructionsDisallowed',
  'LegacyKeyValueFormat',
  'RedundantTargetPlatform',
  'SecretsUsedInArgOrEnv',
  'FromPlatformFlagConstDisallowed',
  'ExposeProtoCasing',
] as const;

/** The args every build defines (BuildKit's automatic platform args). */
const AUTOMATIC_ARGS = new Set(
  ['BUILD', 'TARGET'].flatMap((p) => ['PLATFORM', 'OS', 'ARCH', 'VARIANT'].map((s) => `${p}${s}`)),
);

/**
 * A `check` directive's (or BUILDKIT_DOCKERFILE_CHECK's) value: `;`-separated `skip=` (comma
 * list of rule names, or `all`) and `error=` (a boolean). Anything else is an InvalidArgument.
 */
export function parseCheckConfig(value: string | undefined): CheckConfig {
  const config: CheckConfig = { skip: new Set(), error: false };
  if (value === undefined) return config;
  for (const part of value.split(';')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    const key = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? '' : item.slice(eq + 1).trim();
    if (key === 'skip') {
      const names = v.split(',').map((n) => n.trim());
      config.skip = names.some((n) => n.toLowerCase() === 'all') ? 'all' : new Set(names);
    } else if (key === 'error') {
      if (!/^(true|false|1|0)$/i.test(v))
        throw invalidArgument(`invalid check value for error: ${JSON.stringify(v)}`);
      config.error = /^(true|1)$/i.test(v);
    } else throw invalidArgument(`invalid check directive: ${item}`);
  }
  return config;
}

/** A stage named for its platform (`AS build-amd64`) may pin it: BuildKit allows that. */
const namesPlatform = (stage: string | undefined, platform: string) =>
  stage !== undefined &&
  platform
    .split('/')
    .slice(0, 2)
    .some((part) => part !== '' && stage.toLowerCase().includes(part.toLowerCase()));

const isUpper = (s: string) => s === s.toUpperCase();
const isLower = (s: string) => s === s.toLowerCase();
const varsIn = (word: string) =>
  [...word.matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))/g)].map(
    (m) => m[1] ?? m[2]!,
  );

/**
 * Names BuildKit takes for secrets: one of these words as the whole name or its first or last
 * `_`-separated part (`GITHUB_TOKEN`, `api_key`, `AUTH`), unless a part says it is not one.
 */
const SECRET =
  /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const NOT_SECRET = /(?:_|^)(?:public|file|version)(?:_|$)/i;
const looksSecret = (name: string) => SECRET.test(name) && !NOT_SECRET.test(name);

/** The findings of every rule `config` does not skip, in line order. */
export function checkDockerfile(parsed: ParseResult, config: CheckConfig): CheckFinding[] {
  if (config.skip === 'all') return [];
  const skip = config.skip;
  const out: CheckFinding[] = [];
  const add = (rule: (typeof CHECK_RULES)[number], message: string, line: number) => {
    if (!skip.has(rule)) out.push({ rule, message, line });
  };
  for (const w of parsed.warnings)
    add('NoEmptyContinuation', 'Empty continuation line', w.location.startLine);

  const nodes = parsed.ast.children;
  const words = nodes.map((n) => n.value);
  const upper = words.filter(isUpper).length;
  const lower = words.filter((w) => isLower(w) && !isUpper(w)).length;
  const majority = upper >= lower ? 'uppercase' : 'lowercase';
  const matches = (w: string) => (majority === 'uppercase' ? isUpper(w) : isLower(w));
  const secretName = (kind: 'ARG' | 'ENV', name: string, line: number) => {
    if (looksSecret(name))
      add(
        'SecretsUsedInArgOrEnv',
        `Do not use ARG or ENV instructions for sensitive data (${kind} "${name}")`,
        line,
      );
  };
  const all = (list: Node[]) => list.flatMap((n) => (n.sub ? [n, n.sub] : [n]));
  for (const n of all(nodes))
    if (!matches(n.value))
      add(
        'ConsistentInstructionCasing',
        `Command '${n.value}' should match the case of the command majority (${majority})`,
        n.startLine,
      );

  const globalArgs = new Set<string>();
  const stageNames = new Set<string>();
  let stage: { absoluteWorkdir: boolean; counts: Map<string, number[]> } | undefined;
  const endStage = () => {
    for (const [kw, lines] of stage?.counts ?? [])
      for (const line of lines.slice(0, -1))
        add(
          'MultipleInstructionsDisallowed',
          `Multiple ${kw.toUpperCase()} instructions should not be used in the same stage because only the last one will be used`,
          line,
        );
  };
  for (const n of nodes) {
    const line = n.startLine;
    if (n.keyword === 'from') {
      endStage();
      stage = { absoluteWorkdir: false, counts: new Map() };
      const asAt = n.args.findIndex((a, i) => i > 0 && a.toLowerCase() === 'as');
      const name = asAt > 0 ? n.args[asAt + 1] : undefined;
      if (asAt > 0) {
        const as = n.args[asAt]!;
        if ((isUpper(n.value) && !isUpper(as)) || (isLower(n.value) && !isLower(as)))
          add('FromAsCasing', `'${as}' and '${n.value}' keywords' casing do not match`, line);
      }
      if (name !== undefined) {
        if (name !== name.toLowerCase())
          add('StageNameCasing', `Stage name '${name}' should be lowercase`, line);
        const lc = name.toLowerCase();
        if (lc === 'scratch' || lc === 'context')
          add(
            'ReservedStageName',
            `Stage name should not use the same name as reserved stage "${lc}"`,
            line,
          );
        if (stageNames.has(lc))
          add(
            'DuplicateStageName',
            `Duplicate stage name "${lc}", stage names should be unique`,
            line,
          );
        stageNames.add(lc);
      }
      for (const v of varsIn(n.args[0] ?? ''))
        if (!globalArgs.has(v) && !AUTOMATIC_ARGS.has(v))
          add('UndefinedArgInFrom', `FROM argument '${v}' is not declared`, line);
      const platform = n.flags.find((f) => f.startsWith('--platform='))?.slice(11);
      if (platform !== undefined) {
        if (/^\$\{?TARGETPLATFORM\}?$/.test(platform))
          add(
            'RedundantTargetPlatform',
            `Setting platform to predefined ${platform} in FROM is redundant as this is the default behavior`,
            line,
          );
        else if (!platform.includes('$') && !namesPlatform(name, platform))
          add(
            'FromPlatformFlagConstDisallowed',
            `FROM --platform flag should not use constant value "${platform}"`,
            line,
          );
      }
      continue;
    }
    if (!stage) {
      // ARGs before the first FROM: the only names FROM may use
      for (const a of n.args) globalArgs.add(a.split('=')[0]!);
      continue;
    }
    switch (n.keyword) {
      case 'cmd':
      case 'entrypoint':
      case 'healthcheck': {
        const lines = stage.counts.get(n.keyword) ?? [];
        stage.counts.set(n.keyword, [...lines, line]);
        if (n.keyword !== 'healthcheck' && !n.json)
          add(
            'JSONArgsRecommended',
            `JSON arguments recommended for ${n.keyword.toUpperCase()} to prevent unintended behavior related to OS signals`,
            line,
          );
        break;
      }
      case 'maintainer':
        add(
          'MaintainerDeprecated',
          'Maintainer instruction is deprecated in favor of using label',
          line,
        );
        break;
      case 'workdir': {
        const dir = n.args[0] ?? '';
        if (dir.startsWith('/') || dir.startsWith('$')) stage.absoluteWorkdir = true;
        else if (!stage.absoluteWorkdir)
          add(
            'WorkdirRelativePath',
            `Relative workdir "${dir}" can have unexpected results if the base image changes`,
            line,
          );
        break;
      }
      case 'env':
      case 'label':
        for (let i = 0; i + 2 < n.args.length; i += 3) {
          if (n.args[i + 2] === '') {
            const name = n.keyword.toUpperCase();
            add(
              'LegacyKeyValueFormat',
              `"${name} key=value" should be used instead of legacy "${name} key value" format`,
              line,
            );
            break;
          }
        }
        if (n.keyword === 'env')
          for (let i = 0; i < n.args.length; i += 3) secretName('ENV', n.args[i]!, line);
        break;
      case 'arg':
        for (const a of n.args) secretName('ARG', a.split('=')[0]!, line);
        break;
      case 'expose':
        for (const p of n.args)
          if (p.includes('/') && !isLower(p))
            add(
              'ExposeProtoCasing',
              `Defined protocol '${p}' in EXPOSE instruction should be lowercase`,
              line,
            );
        break;
    }
  }
  endStage();
  return out.sort((a, b) => a.line - b.line);
}

/** BuildKit's summary of findings, printed after a build. */
export function formatFindings(findings: CheckFinding[]): string[] {
  if (findings.length === 0) return [];
  const n = findings.length;
  return [
    ` ${n} warning${n === 1 ? '' : 's'} found (use docker --debug to expand):`,
    ...findings.map((f) => ` - ${f.rule}: ${f.message} (line ${f.line})`),
  ];
}
