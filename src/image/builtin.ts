/**
 * Built-in base images that need no registry: `busybox`, made from the host's statically linked
 * busybox (Debian's busybox-static, /bin/busybox). Like Docker Hub's busybox, every applet is a
 * hardlink in /bin. All timestamps are the binary's own mtime (or SOURCE_DATE_EPOCH), so the
 * same busybox package gives the same image ID on every machine.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { failedPrecondition, invalidArgument } from '../core/errors.js';
import type { ImageConfig, Platform } from '../core/oci.js';
import { parseReference } from '../core/reference.js';
import { run } from '../sys/exec.js';
import { discardUnreferenced } from './gc.js';
import { commitDirAsLayer } from './layer-from-dir.js';
import type { Stores } from './stores.js';
import { storeImage, type StoredImage } from './write.js';

export const BUILTIN_IMAGES = ['busybox'] as const;
const DEFAULT_BUSYBOX = '/bin/busybox';
const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const passwd = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
`;
const group = `root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
wheel:x:10:root
mail:x:12:
www-data:x:33:
operator:x:37:
users:x:100:
nogroup:x:65534:
`;

/** An ELF executable without a PT_INTERP program header needs no dynamic loader. */
async function isStatic(binary: string): Promise<boolean> {
  const elf = await fs.readFile(binary);
  if (elf.length < 64 || elf.toString('latin1', 0, 4) !== '\x7fELF' || elf[5] !== 1) return false;
  const is64 = elf[4] === 2;
  const phoff = is64 ? Number(elf.readBigUInt64LE(0x20)) : elf.readUInt32LE(0x1c);
  const phentsize = elf.readUInt16LE(is64 ? 0x36 : 0x2a);
  const phnum = elf.readUInt16LE(is64 ? 0x38 : 0x2c);
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize;
    if (off + 4 > elf.length) return false;
    if (elf.readUInt32LE(off) === 3) return false; // PT_INTERP
  }
  return true;
}

/** Fill `root` with a busybox root filesystem, every file stamped with `mtime`. */
async function writeBusyboxRootfs(root: string, binary: string, mtime: number): Promise<void> {
  const applets = (await run(binary, ['--list'])).stdout
    .split('\n')
    .filter((a) => /^[\w.[\]-]+$/.test(a));
  const dirs = [
    'bin',
    'dev',
    'etc',
    'home',
    'proc',
    'root',
    'sys',
    'tmp',
    'usr/bin',
    'usr/sbin',
    'var/spool/mail',
    'var/www',
  ];
  for (const d of dirs) await fs.mkdir(path.join(root, d), { recursive: true, mode: 0o755 });
  await fs.chmod(path.join(root, 'root'), 0o700);
  await fs.chmod(path.join(root, 'tmp'), 0o1777);
  await fs.copyFile(binary, path.join(root, 'bin/busybox'));
  await fs.chmod(path.join(root, 'bin/busybox'), 0o755);
  for (const a of applets) {
    if (a !== 'busybox') await fs.link(path.join(root, 'bin/busybox'), path.join(root, 'bin', a));
  }
  await fs.writeFile(path.join(root, 'etc/passwd'), passwd, { mode: 0o644 });
  await fs.writeFile(path.join(root, 'etc/group'), group, { mode: 0o644 });
  await fs.writeFile(path.join(root, 'etc/shadow'), 'root:*:10933:0:99999:7:::\n', { mode: 0o640 });
  await fs.writeFile(path.join(root, 'etc/nsswitch.conf'), 'hosts: files dns\n', { mode: 0o644 });
  const stamp = async (rel: string): Promise<void> => {
    const p = path.join(root, rel);
    const st = await fs.lstat(p);
    if (st.isDirectory()) for (const n of await fs.readdir(p)) await stamp(path.join(rel, n));
    await fs.lutimes(p, mtime, mtime);
  };
  await stamp('.');
}

/** Create (or re-create) a built-in image and tag it `busybox:latest`. */
export async function createBuiltinImage(
  s: Stores,
  name: string,
  opts: { platform: Platform; busybox?: string; sourceDateEpoch?: number },
): Promise<StoredImage> {
  if (name !== 'busybox') {
    throw invalidArgument(
      `no built-in image named ${JSON.stringify(name)} (built-in: ${BUILTIN_IMAGES.join(', ')})`,
    );
  }
  const binary = opts.busybox ?? DEFAULT_BUSYBOX;
  const st = await fs.stat(binary).catch(() => undefined);
  if (!st || !(await isStatic(binary))) {
    throw failedPrecondition(
      `${binary} is not a statically linked busybox: install it with apt-get install busybox-static`,
    );
  }
  const mtime = opts.sourceDateEpoch ?? Math.floor(st.mtimeMs / 1000);
  const version =
    (await run(binary, ['--help']).catch((e: Error) => ({ stdout: e.message }))).stdout.split(
      '\n',
    )[0] ?? '';
  const pending = await s.snapshots.prepare();
  let size: number;
  try {
    await writeBusyboxRootfs(pending.dir, binary, mtime);
    size = st.size;
  } catch (e) {
    await pending.discard();
    throw e;
  }
  const layer = await commitDirAsLayer(s, pending, { size, chainId: (d) => d });
  const created = new Date(mtime * 1000).toISOString();
  const config: ImageConfig = {
    created,
    architecture: opts.platform.architecture,
    os: opts.platform.os,
    ...(opts.platform.variant ? { variant: opts.platform.variant } : {}),
    config: { Env: [PATH], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    history: [
      {
        created,
        created_by: `berth built-in busybox: ${version.trim()}`,
        comment: `made from ${binary}`,
      },
      { created, created_by: 'CMD ["sh"]', empty_layer: true },
    ],
  };
  try {
    return await storeImage(s, {
      config,
      layers: [layer.descriptor],
      tags: [parseReference('busybox:latest')],
    });
  } catch (e) {
    await discardUnreferenced(s, { snapshots: [layer.chainId], blobs: [layer.descriptor.digest] });
    throw e;
  }
}
