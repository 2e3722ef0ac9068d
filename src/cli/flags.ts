/**
 * Command-line flags with the rules of Docker's CLI (cobra/pflag): `-a`, `-aq`, `-f value`,
 * `-fvalue`, `--name value`, `--name=value`, repeatable list flags, `--` ends flags, and
 * (for commands like `run`) flags stop at the first positional argument.
 */
export type FlagType = 'bool' | 'string' | 'list' | 'int';

export interface FlagSpec {
  name: string;
  short?: string;
  type: FlagType;
  /** The value's name in help (`string`, `filter`, `list`...). */
  valueName?: string;
  description: string;
  default?: string | boolean | number;
  hidden?: boolean;
}

export type FlagValue = string | boolean | number | string[];

export interface ParsedArgs {
  flags: Map<string, FlagValue>;
  args: string[];
}

/** A command-line mistake: reported with the command's usage hint and exit code 125. */
export class UsageError extends Error {}

function convert(spec: FlagSpec, raw: string, shown: string): FlagValue {
  switch (spec.type) {
    case 'bool':
      if (/^(1|t|true|TRUE|True)$/.test(raw)) return true;
      if (/^(0|f|false|FALSE|False)$/.test(raw)) return false;
      throw new UsageError(
        `invalid argument "${raw}" for "${shown}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`,
      );
    case 'int':
      if (!/^-?\d+$/.test(raw)) {
        throw new UsageError(
          `invalid argument "${raw}" for "${shown}" flag: strconv.ParseInt: parsing "${raw}": invalid syntax`,
        );
      }
      return Number(raw);
    default:
      return raw;
  }
}

const shownName = (s: FlagSpec) => (s.short ? `-${s.short}, --${s.name}` : `--${s.name}`);

export function parseFlags(
  argv: readonly string[],
  specs: readonly FlagSpec[],
  interspersed = true,
): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const flags = new Map<string, FlagValue>();
  const args: string[] = [];
  const set = (spec: FlagSpec, raw: string) => {
    const v = convert(spec, raw, shownName(spec));
    if (spec.type === 'list')
      flags.set(spec.name, [...((flags.get(spec.name) as string[]) ?? []), raw]);
    else flags.set(spec.name, v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      const spec = byName.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      if (eq !== -1) set(spec, a.slice(eq + 1));
      else if (spec.type === 'bool') set(spec, 'true');
      else if (i + 1 < argv.length) set(spec, argv[++i]!);
      else throw new UsageError(`flag needs an argument: --${name}`);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        const spec = byShort.get(c);
        if (!spec) throw new UsageError(`unknown shorthand flag: '${c}' in ${a}`);
        if (spec.type === 'bool') {
          if (a[j + 1] === '=') {
            set(spec, a.slice(j + 2));
            break;
          }
          set(spec, 'true');
          continue;
        }
        const rest = a.slice(j + 1).replace(/^=/, '');
        if (rest !== '') set(spec, rest);
        else if (i + 1 < argv.length) set(spec, argv[++i]!);
        else throw new UsageError(`flag needs an argument: '${c}' in -${c}`);
        break;
      }
      continue;
    }
    args.push(a);
    if (!interspersed) {
      args.push(...argv.slice(i + 1));
      break;
    }
  }
  return { flags, args };
}

/** Typed accessors with the spec's defaults. */
export class Flags {
  constructor(
    private readonly parsed: Map<string, FlagValue>,
    private readonly specs: readonly FlagSpec[],
  ) {}

  private spec(name: string): FlagSpec | undefined {
    return this.specs.find((s) => s.name === name);
  }

  has(name: string): boolean {
    return this.parsed.has(name);
  }

  bool(name: string): boolean {
    return (
      (this.parsed.get(name) as boolean | undefined) ??
      (this.spec(name)?.default as boolean | undefined) ??
      false
    );
  }

  string(name: string): string | undefined {
    return (
      (this.parsed.get(name) as string | undefined) ??
      (this.spec(name)?.default as string | undefined)
    );
  }

  int(name: string): number | undefined {
    return (
      (this.parsed.get(name) as number | undefined) ??
      (this.spec(name)?.default as number | undefined)
    );
  }

  list(name: string): string[] {
    return (this.parsed.get(name) as string[] | undefined) ?? [];
  }
}

/** The "Options:" block of help, laid out as pflag does. */
export function flagUsages(specs: readonly FlagSpec[]): string {
  const lines = specs
    .filter((s) => !s.hidden)
    .map((s) => {
      let left = s.short ? `  -${s.short}, --${s.name}` : `      --${s.name}`;
      const valueName = s.valueName ?? (s.type === 'bool' ? '' : s.type);
      if (valueName) left += ` ${valueName}`;
      let desc = s.description;
      if (s.default !== undefined && s.default !== false && s.default !== '') {
        desc +=
          typeof s.default === 'string'
            ? ` (default "${s.default}")`
            : ` (default ${String(s.default)})`;
      }
      return { left, desc };
    });
  const width = Math.max(0, ...lines.map((l) => l.left.length));
  return lines.map((l) => `${l.left.padEnd(width)}   ${l.desc}`).join('\n');
}

/** `k=v` list flags (labels, options) as a map; a bare `k` maps to the empty string. */
export function keyValues(list: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    list.map((s) => {
      const eq = s.indexOf('=');
      return eq === -1 ? [s, ''] : [s.slice(0, eq), s.slice(eq + 1)];
    }),
  );
}
