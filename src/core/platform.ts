/**
 * Platforms (`linux/arm64/v8`) with containerd's normalisation and matching rules
 * (github.com/containerd/platforms): `aarch64` is `arm64`, `x86_64` is `amd64`, arm64 without a
 * variant is arm64/v8, arm without a variant is arm/v7. When picking from an index, a platform
 * also accepts the older ones it can run (arm/v7 runs arm/v6 and arm/v5, amd64 runs 386).
 *
 * Re-exported by oci.ts, which holds the Platform type.
 */
import { invalidArgument } from './errors.js';
import { isIndexType, isManifestType } from './media-types.js';
import type { Descriptor, ImageIndex, Platform } from './oci.js';

/** Node's `process.arch` → OCI architecture (and variant). */
const nodeArchs: Readonly<Record<string, { architecture: string; variant?: string }>> = {
  x64: { architecture: 'amd64' },
  arm64: { architecture: 'arm64', variant: 'v8' },
  arm: { architecture: 'arm', variant: 'v7' },
  ia32: { architecture: '386' },
  ppc64: { architecture: 'ppc64le' },
  ppc: { architecture: 'ppc' },
  s390x: { architecture: 's390x' },
  s390: { architecture: 's390' },
  riscv64: { architecture: 'riscv64' },
  loong64: { architecture: 'loong64' },
  mips: { architecture: 'mips' },
  mipsel: { architecture: 'mipsle' },
};
/** Node's `process.platform` values that differ from GOOS. */
const nodeOses: Readonly<Record<string, string>> = { win32: 'windows', sunos: 'solaris' };

const knownOses = new Set(
  'aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris windows zos'.split(
    ' ',
  ),
);
const knownArchs = new Set(
  '386 amd64 amd64p32 arm armbe arm64 arm64be ppc64 ppc64le loong64 mips mipsle mips64 mips64le mips64p32 mips64p32le ppc riscv riscv64 s390 s390x sparc sparc64 wasm'.split(
    ' ',
  ),
);

/** The attestation entries BuildKit adds to an index; they are not runnable images. */
const referenceTypeAnnotation = 'vnd.docker.reference.type';

/**
 * The platform of the host, from Node's `process.arch` and `process.platform`
 * (x64 → amd64, arm64 → arm64/v8, arm → arm/v7, ia32 → 386, ppc64 → ppc64le, ...).
 */
export function hostPlatform(nodeArch: string, nodePlatform: string): Platform {
  const arch = nodeArchs[nodeArch] ?? { architecture: nodeArch };
  return { ...arch, os: nodeOses[nodePlatform] ?? nodePlatform };
}

function normalizeArch(arch: string, variant: string): { architecture: string; variant: string } {
  arch = arch.toLowerCase();
  variant = variant.toLowerCase();
  switch (arch) {
    case 'i386':
    case '386':
      return { architecture: '386', variant: '' };
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      return { architecture: 'amd64', variant: variant === 'v1' ? '' : variant };
    case 'aarch64':
    case 'arm64':
      if (['', '8', 'v8', 'v8.0'].includes(variant)) variant = 'v8';
      else if (['9', '9.0', 'v9.0'].includes(variant)) variant = 'v9';
      return { architecture: 'arm64', variant };
    case 'armhf':
      return { architecture: 'arm', variant: 'v7' };
    case 'armel':
      return { architecture: 'arm', variant: 'v6' };
    case 'arm':
      if (variant === '' || variant === '7') variant = 'v7';
      else if (['5', '6', '8'].includes(variant)) variant = `v${variant}`;
      return { architecture: 'arm', variant };
    default:
      return { architecture: arch, variant };
  }
}

/**
 * The canonical form of a platform: lowercase, `macos` → `darwin`, architecture aliases
 * resolved, and the default variants made explicit (arm64 → v8, arm → v7).
 */
export function normalizePlatform(p: Platform): Platform {
  let os = p.os.toLowerCase();
  if (os === 'macos') os = 'darwin';
  const { architecture, variant } = normalizeArch(p.architecture, p.variant ?? '');
  const out: Platform = { architecture, os };
  if (variant !== '') out.variant = variant;
  if (p['os.version'] !== undefined) out['os.version'] = p['os.version'];
  if (p['os.features'] !== undefined) out['os.features'] = [...p['os.features']];
  return out;
}

/**
 * Parses `os/arch[/variant]` (`linux/amd64`, `linux/arm64/v8`, `linux/arm/v7`) into a
 * normalised platform. A lone known architecture (`arm64`) means `linux/<arch>`; a lone OS
 * takes the architecture of `host` when given. InvalidArgument for anything else.
 */
export function parsePlatform(s: string, host?: Platform): Platform {
  const fail = (reason: string) => invalidArgument(`invalid platform "${s}": ${reason}`);
  const parts = s.split('/');
  if (parts.length > 3) throw fail('expected os/arch[/variant]');
  for (const part of parts) {
    if (!/^[A-Za-z0-9_.-]+$/.test(part)) throw fail('expected os/arch[/variant]');
  }
  const [first = '', arch, variant] = parts;
  if (arch !== undefined) return normalizePlatform({ os: first, architecture: arch, variant });
  const asArch = normalizeArch(first, '');
  if (knownArchs.has(asArch.architecture)) {
    return normalizePlatform({ os: 'linux', architecture: first });
  }
  const os = normalizePlatform({ os: first, architecture: '' }).os;
  if (!knownOses.has(os)) throw fail('unknown operating system or architecture');
  if (host === undefined) throw fail('missing architecture, expected os/arch[/variant]');
  return normalizePlatform({ ...host, os });
}

/** `os/arch[/variant]`, as given (normalise first for the canonical form). */
export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/**
 * True when `have` is exactly the platform `want` asks for, after normalisation (so arm64
 * matches arm64/v8, arm matches arm/v7, aarch64 matches arm64). OS version and features are
 * not compared.
 */
export function platformMatches(want: Platform, have: Platform): boolean {
  const a = normalizePlatform(want);
  const b = normalizePlatform(have);
  return a.os === b.os && a.architecture === b.architecture && a.variant === b.variant;
}

/**
 * The platforms `p` can run, best first (containerd's platformVector): `p` itself, then older
 * variants (amd64/v3 → v2 → v1, arm/v7 → v6 → v5), then 386 for amd64 and 32-bit arm for arm64.
 */
function compatiblePlatforms(p: Platform): Platform[] {
  const variantNumber = (v: string | undefined) => Number.parseInt((v ?? '').replace(/^v/, ''));
  const at = (architecture: string, variant?: string) =>
    normalizePlatform({ os: p.os, architecture, ...(variant ? { variant } : {}) });
  const out = [p];
  switch (p.architecture) {
    case 'amd64': {
      for (let v = variantNumber(p.variant) - 1; v >= 1; v--) out.push(at('amd64', `v${v}`));
      out.push(at('386'));
      break;
    }
    case 'arm': {
      for (let v = variantNumber(p.variant) - 1; v >= 5; v--) out.push(at('arm', `v${v}`));
      break;
    }
    case 'arm64': {
      const variant = p.variant ?? 'v8';
      const [major = '', minorText] = variant.split('.');
      let armMajor = variantNumber(major);
      let armMinor = minorText === undefined ? 0 : Number.parseInt(minorText) || 0;
      if (armMajor >= 8) {
        if (armMajor === 9) {
          for (let m = armMinor - 1; m >= 0; m--) out.push(at('arm64', m ? `v9.${m}` : 'v9'));
          // v9.x is compatible with v8.(x+5).
          armMinor += 5;
          armMajor = 8;
          out.push(at('arm64', `v8.${armMinor}`));
        }
        for (let m = armMinor - 1; m >= 0; m--) {
          out.push(at('arm64', m ? `v${armMajor}.${m}` : `v${armMajor}`));
        }
      }
      const armVariant = /^v[89]\./.test(variant) ? 'v8' : variant;
      out.push(...compatiblePlatforms(at('arm', armVariant)));
      break;
    }
  }
  return out;
}

function isAttestation(d: Descriptor): boolean {
  return d.annotations?.[referenceTypeAnnotation] === 'attestation-manifest';
}

/**
 * The manifest of `index` to run on `want`: the entry matching `want` exactly, else one of an
 * older compatible platform (arm/v6 for arm/v7, 386 for amd64), else an entry without a
 * platform. Attestation manifests are ignored. Between equally good entries, the one whose
 * variant is spelled as in `want` wins (arm64/v8 over arm64 when asked for arm64/v8), then the
 * first in the index. Undefined when nothing fits.
 */
export function selectManifest(index: ImageIndex, want: Platform): Descriptor | undefined {
  const candidates = compatiblePlatforms(normalizePlatform(want));
  const wantVariant = (want.variant ?? '').toLowerCase();
  let best: Descriptor | undefined;
  let bestScore = Infinity;
  for (const d of index.manifests) {
    if (isAttestation(d)) continue;
    let score: number;
    if (d.platform === undefined) {
      if (!isManifestType(d.mediaType) && !isIndexType(d.mediaType)) continue;
      score = 2 * candidates.length;
    } else {
      const have = d.platform;
      const rank = candidates.findIndex((c) => platformMatches(c, have));
      if (rank < 0) continue;
      const exact = (have.variant ?? '').toLowerCase() === wantVariant;
      score = 2 * rank + (exact ? 0 : 1);
    }
    if (score < bestScore) [best, bestScore] = [d, score];
  }
  return best;
}
