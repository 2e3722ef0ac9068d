/**
 * Networking end to end: real bridges, veths, namespaces, nftables and aardvark-dns. Traffic
 * goes only to loopback and to container addresses in namespaces these tests create.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { tableName } from '../../src/network/firewall.js';
import { berthWithContainers, runCommand } from '../helpers.js';

type B = Awaited<ReturnType<typeof berthWithContainers>>;

/** A berth whose cleanup (`system reset`, see berthWithContainers) takes networks too. */
async function withNetworks(t: Parameters<typeof berthWithContainers>[0]) {
  return berthWithContainers(t);
}

/**
 * What a root put on the host — bridges, its nftables table, iptables FORWARD rules, its DNS
 * server — after `system reset` (which must take all of it away).
 */
async function hostLeftovers(b: B): Promise<string[]> {
  const nets = (await b.ok(['network', 'ls', '-q', '--no-trunc'])).split('\n').filter(Boolean);
  const hash = createHash('sha256').update(b.root).digest('hex').slice(0, 8);
  const devices = [`berth${hash}`, ...nets.map((id) => `br-${id.slice(0, 12)}`)];
  await b.ok(['system', 'reset', '-f']);
  const found: string[] = [];
  const present = await fs.readdir('/sys/class/net');
  for (const d of devices) if (present.includes(d)) found.push(`device ${d}`);
  const forward = (await runCommand('iptables', ['-S', 'FORWARD'])).stdout;
  for (const d of devices) if (forward.includes(` ${d} `)) found.push(`iptables rule for ${d}`);
  const tables = (await runCommand('nft', ['list', 'tables'])).stdout;
  if (tables.includes(tableName(b.root))) found.push(`nft table ${tableName(b.root)}`);
  if (await fs.stat(`${b.runroot}/dns`).catch(() => undefined)) found.push('dns directory');
  return found;
}

async function get(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host, timeout: 5000 });
    let data = '';
    s.on('connect', () => s.write(`GET / HTTP/1.0\r\nHost: x\r\n\r\n`));
    s.on('data', (d: Buffer) => (data += d.toString()));
    s.on('end', () => resolve(data));
    s.on('timeout', () => s.destroy(new Error('timeout')));
    s.on('error', reject);
  });
}

async function retry<T>(fn: () => Promise<T>, tries = 50): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= tries) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

test('run -p 8080:80: a busybox httpd answers on 127.0.0.1; inspect and ps show the binding', async (t) => {
  const b = await withNetworks(t);
  const www = await fs.mkdtemp('/tmp/berth-www-');
  t.after(() => fs.rm(www, { recursive: true, force: true }));
  await fs.writeFile(`${www}/index.html`, 'hello from berth\n');
  const port = 18080 + Math.floor(Math.random() * 1000);
  await b.ok([
    'run',
    '-d',
    '--name',
    'web',
    '-p',
    `${port}:80`,
    '-v',
    `${www}:/www`,
    'busybox',
    'httpd',
    '-f',
    '-p',
    '80',
    '-h',
    '/www',
  ]);
  const reply = await retry(() => get(port));
  assert.match(reply, /hello from berth/);
  assert.equal(
    await b.ok(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'web']),
    `{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"${port}"}]}\n`,
  );
  assert.match(
    await b.ok(['ps', '--format', '{{.Ports}}']),
    new RegExp(`0\\.0\\.0\\.0:${port}->80/tcp`),
  );
  // the port is held while it runs: another process cannot have it
  const other = net.createServer();
  await assert.rejects(
    new Promise((resolve, reject) => {
      other.once('error', reject);
      other.listen(port, '127.0.0.1', () => other.close(resolve));
    }),
    /EADDRINUSE/,
  );
  // the port is taken now: a second container gets Docker's error and leaves nothing behind
  const clash = await b.berth([
    'run',
    '-d',
    '--name',
    'web2',
    '-p',
    `${port}:80`,
    'busybox',
    'true',
  ]);
  assert.notEqual(clash.code, 0);
  assert.match(
    clash.stderr,
    new RegExp(`Bind for 0.0.0.0:${port} failed: port is already allocated`),
  );
  assert.match(
    await b.ok(['ps', '-a', '--format', '{{.Names}} {{.State}}']),
    /web2 (created|exited)/,
  );
  await b.ok(['rm', '-f', 'web', 'web2']);
  await assert.rejects(get(port), 'nothing answers once the container is gone');
  await b.ok(['network', 'prune', '-f']);
  assert.deepEqual(await hostLeftovers(b), []);
});

test('user network: web reaches db by name and alias; on the default bridge only the IP works', async (t) => {
  const b = await withNetworks(t);
  await b.ok(['network', 'create', 'app-net']);
  await b.ok([
    'run',
    '-d',
    '--name',
    'db',
    '--network',
    'app-net',
    '--network-alias',
    'database',
    '--hostname',
    'dbhost',
    'busybox',
    'sleep',
    '60',
  ]);
  const dbIp = (
    await b.ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "app-net").IPAddress}}', 'db'])
  ).trim();
  assert.match(dbIp, /^\d+\.\d+\.\d+\.\d+$/);
  const out = await b.ok([
    'run',
    '--rm',
    '--name',
    'web',
    '--network',
    'app-net',
    'busybox',
    'sh',
    '-c',
    'nslookup db; nslookup database; nslookup dbhost; ping -c1 -W2 db >/dev/null && echo reached',
  ]);
  assert.equal(
    (out.match(new RegExp(`Address: ${dbIp.replace(/\./g, '\\.')}`, 'g')) ?? []).length,
    3,
    out,
  );
  assert.match(out, /reached/);

  await b.ok(['run', '-d', '--name', 'plain', 'busybox', 'sleep', '60']);
  const plainIp = (await b.ok(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'plain'])).trim();
  const onBridge = await b.berth([
    'run',
    '--rm',
    'busybox',
    'sh',
    '-c',
    `nslookup plain >/dev/null 2>&1 && echo resolved; ping -c1 -W2 ${plainIp} >/dev/null && echo ip-works`,
  ]);
  assert.doesNotMatch(onBridge.stdout, /resolved/);
  assert.match(onBridge.stdout, /ip-works/);

  const inspect = (
    JSON.parse(await b.ok(['network', 'inspect', 'app-net'])) as {
      Containers: Record<string, unknown>;
      IPAM: { Config: { Gateway: string }[] };
    }[]
  )[0]!;
  assert.equal(Object.keys(inspect.Containers).length, 1);
  assert.equal(inspect.IPAM.Config[0]!.Gateway.split('.').length, 4);
  const refused = await b.berth(['network', 'rm', 'app-net']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /has active endpoints/);
  await b.ok(['rm', '-f', 'db', 'plain']);
  const appNetId = (await b.ok(['network', 'inspect', '-f', '{{.Id}}', 'app-net'])).trim();
  assert.ok((await fs.readdir('/sys/class/net')).includes(`br-${appNetId.slice(0, 12)}`));
  assert.equal(await b.ok(['network', 'rm', 'app-net']), 'app-net\n');
  assert.ok(
    !(await fs.readdir('/sys/class/net')).includes(`br-${appNetId.slice(0, 12)}`),
    'network rm takes its bridge away',
  );
  assert.deepEqual(await hostLeftovers(b), []);
});

test('--network host sees the host interfaces, none only lo; bad input is refused cleanly', async (t) => {
  const b = await withNetworks(t);
  const lo = await b.ok(['run', '--rm', '--network', 'none', 'busybox', 'ls', '/sys/class/net']);
  assert.equal(lo, 'lo\n');
  // other tests add and remove interfaces meanwhile: check those there before and after
  const before = new Set(await fs.readdir('/sys/class/net'));
  const host = await b.ok(['run', '--rm', '--network', 'host', 'busybox', 'ls', '/sys/class/net']);
  const after = new Set(await fs.readdir('/sys/class/net'));
  const seen = host.trim().split(/\s+/);
  for (const l of before) if (after.has(l)) assert.ok(seen.includes(l), `${l} in ${host}`);

  const unknown = await b.berth(['run', '--rm', '--network', 'nope', 'busybox', 'true']);
  assert.equal(unknown.code, 125);
  assert.match(unknown.stderr, /network nope not found/);
  const badPort = await b.berth(['run', '--rm', '-p', '80:abc', 'busybox', 'true']);
  assert.equal(badPort.code, 125);
  assert.match(badPort.stderr, /invalid containerPort: abc/);
  await b.ok(['network', 'create', '--subnet', '10.213.0.0/24', 'small']);
  const overlap = await b.berth(['network', 'create', '--subnet', '10.213.0.0/16', 'big']);
  assert.equal(overlap.code, 1);
  assert.match(overlap.stderr, /Pool overlaps/);
  const badIp = await b.berth([
    'run',
    '--rm',
    '--network',
    'small',
    '--ip',
    '10.99.0.5',
    'busybox',
    'true',
  ]);
  assert.equal(badIp.code, 125);
  assert.match(badIp.stderr, /no configured subnet or ip-range contain the IP address 10.99.0.5/);
  const fixed = await b.ok([
    'run',
    '--rm',
    '--network',
    'small',
    '--ip',
    '10.213.0.77',
    'busybox',
    'ip',
    '-4',
    '-o',
    'addr',
    'show',
    'eth0',
  ]);
  assert.match(fixed, /10\.213\.0\.77\/24/);
  assert.equal(await b.ok(['ps', '-aq']), '', 'nothing half-created');
  assert.deepEqual(await hostLeftovers(b), []);
});

test('macvlan on a veth parent: each container its own MAC and address; they reach each other', async (t) => {
  const b = await withNetworks(t);
  const parent = `bmv${process.pid % 10000}`;
  await runCommand('ip', ['link', 'add', parent, 'type', 'veth', 'peer', 'name', `${parent}p`]);
  t.after(() => runCommand('ip', ['link', 'del', parent]));
  await runCommand('ip', ['link', 'set', parent, 'up']);
  await runCommand('ip', ['link', 'set', `${parent}p`, 'up']);
  await b.ok([
    'network',
    'create',
    '-d',
    'macvlan',
    '-o',
    `parent=${parent}`,
    '--subnet',
    '10.231.7.0/24',
    'mv',
  ]);
  await b.ok(['run', '-d', '--name', 'm1', '--network', 'mv', 'busybox', 'sleep', '60']);
  const mac = (
    await b.ok(['inspect', '-f', '{{(index .NetworkSettings.Networks "mv").MacAddress}}', 'm1'])
  ).trim();
  assert.equal(mac, '02:42:0a:e7:07:02');
  const out = await b.ok([
    'run',
    '--rm',
    '--network',
    'mv',
    'busybox',
    'sh',
    '-c',
    'ip -4 -o addr show eth0; ping -c1 -W2 10.231.7.2 >/dev/null && echo reached',
  ]);
  assert.match(out, /inet 10\.231\.7\.3\/24/);
  assert.match(out, /reached/);
  await b.ok(['rm', '-f', 'm1']);
  assert.equal(await b.ok(['network', 'rm', 'mv']), 'mv\n');
});

test('kill -9 of a networked container’s monitor: system check removes its endpoint, namespace and bridge', async (t) => {
  const b = await withNetworks(t);
  await b.ok(['network', 'create', 'crashnet']);
  const id = (await b.ok(['run', '-d', '--network', 'crashnet', 'busybox', 'sleep', '60'])).trim();
  const monitor = Number(await fs.readFile(`${b.runroot}/${id}/monitor.pid`, 'utf8'));
  process.kill(monitor, 'SIGKILL');
  const report = await b.berth(['system', 'check']);
  assert.match(report.stdout + report.stderr, /runs without its monitor|left behind/);
  const inspect = JSON.parse(await b.ok(['network', 'inspect', 'crashnet'])) as {
    Containers: object;
  }[];
  assert.deepEqual(inspect[0]!.Containers, {});
  await assert.rejects(fs.stat(`${b.runroot}/netns/${id}`));
  assert.deepEqual(await hostLeftovers(b), []);
  const again = await b.berth(['system', 'check']);
  assert.equal(again.code, 0, again.stdout + again.stderr);
});

test('network connect a running container to a second network, reach a peer there, disconnect', async (t) => {
  const b = await withNetworks(t);
  await b.ok(['network', 'create', 'second']);
  await b.ok(['run', '-d', '--name', 'c1', 'busybox', 'sleep', '60']);
  await b.ok(['run', '-d', '--name', 'peer', '--network', 'second', 'busybox', 'sleep', '60']);
  const before = await b.berth(['exec', 'c1', 'ping', '-c1', '-W1', 'peer']);
  assert.notEqual(before.code, 0, 'no name, no route before connect');
  await b.ok(['network', 'connect', '--alias', 'c1alias', 'second', 'c1']);
  assert.match(await b.ok(['exec', 'c1', 'ip', '-o', 'link']), /eth1/);
  await b.ok(['exec', 'c1', 'ping', '-c1', '-W2', 'peer']);
  assert.match(await b.ok(['exec', 'peer', 'nslookup', 'c1alias']), /Address: \d+\.\d+\.\d+\.\d+/);
  const twice = await b.berth(['network', 'connect', 'second', 'c1']);
  assert.match(twice.stderr, /endpoint with name c1 already exists in network second/);
  const networks = await b.ok(['inspect', '-f', '{{len .NetworkSettings.Networks}}', 'c1']);
  assert.equal(networks.trim(), '2');
  await b.ok(['network', 'disconnect', 'second', 'c1']);
  assert.doesNotMatch(await b.ok(['exec', 'c1', 'ip', '-o', 'link']), /eth1/);
  const notConnected = await b.berth(['network', 'disconnect', 'second', 'c1']);
  assert.match(notConnected.stderr, /is not connected to network second/);
  await b.ok(['rm', '-f', 'c1', 'peer']);
  assert.deepEqual(await hostLeftovers(b), []);
});

test('-P publishes --expose ports on free host ports; UDP works; berth port lists them', async (t) => {
  const b = await withNetworks(t);
  await b.ok([
    'run',
    '-d',
    '--name',
    'tcp',
    '--expose',
    '80',
    '-P',
    'busybox',
    'sh',
    '-c',
    'while :; do echo pong | nc -l -p 80; done',
  ]);
  const line = (await b.ok(['port', 'tcp'])).trim();
  const m = /^80\/tcp -> 0\.0\.0\.0:(\d+)$/.exec(line);
  assert.ok(m, line);
  const reply = await retry(
    () =>
      new Promise<string>((resolve, reject) => {
        const s = net.connect({ port: Number(m[1]), host: '127.0.0.1', timeout: 3000 });
        let data = '';
        s.on('data', (d: Buffer) => (data += d.toString()));
        s.on('end', () => (data ? resolve(data) : reject(new Error('empty'))));
        s.on('error', reject);
        s.on('timeout', () => s.destroy(new Error('timeout')));
      }),
  );
  assert.equal(reply, 'pong\n');
  assert.equal((await b.ok(['port', 'tcp', '80'])).trim(), `0.0.0.0:${m[1]}`);
  // a range: each container port gets its host port
  const base = 20000 + Math.floor(Math.random() * 1000);
  await b.ok([
    'run',
    '-d',
    '--name',
    'range',
    '-p',
    `127.0.0.1:${base}-${base + 1}:80-81`,
    'busybox',
    'sleep',
    '60',
  ]);
  assert.equal(
    await b.ok(['port', 'range']),
    `80/tcp -> 127.0.0.1:${base}\n81/tcp -> 127.0.0.1:${base + 1}\n`,
  );
  const none = await b.berth(['port', 'tcp', '81']);
  assert.match(none.stderr, /No public port '81\/tcp' published for tcp/);

  // busybox's nc has no UDP: a tiny static echo server, built here and bind-mounted in
  const dir = await fs.mkdtemp('/tmp/berth-udp-');
  t.after(() => fs.rm(dir, { recursive: true, force: true }));
  await runCommand('gcc', [
    '-static',
    '-O2',
    '-o',
    `${dir}/udp-echo`,
    `${import.meta.dirname}/udp-echo.c`,
  ]);
  const port = 19000 + Math.floor(Math.random() * 1000);
  await b.ok([
    'run',
    '-d',
    '--name',
    'udp',
    '-p',
    `127.0.0.1:${port}:5353/udp`,
    '-v',
    `${dir}/udp-echo:/udp-echo:ro`,
    'busybox',
    '/udp-echo',
    '5353',
  ]);
  const dgram = await import('node:dgram');
  const sock = dgram.createSocket('udp4');
  t.after(() => sock.close());
  const answer = await retry(
    () =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer')), 200);
        sock.once('message', (m: Buffer) => {
          clearTimeout(timer);
          resolve(m.toString());
        });
        sock.send('hello-udp', port, '127.0.0.1');
      }),
    30,
  );
  assert.equal(answer, 'echo: hello-udp');
});

test('/etc/hosts: own name, host.docker.internal and host-gateway; internal networks have no way out', async (t) => {
  const b = await withNetworks(t);
  const hosts = await b.ok([
    'run',
    '--rm',
    '--hostname',
    'box',
    '--add-host',
    'gw:host-gateway',
    '--add-host',
    'static:10.1.2.3',
    'busybox',
    'cat',
    '/etc/hosts',
  ]);
  const gateway = /(\S+)\thost\.docker\.internal/.exec(hosts)?.[1];
  assert.ok(gateway, hosts);
  assert.match(hosts, new RegExp(`${gateway.replace(/\./g, '\\.')}\\tgw`));
  assert.match(hosts, /10\.1\.2\.3\tstatic/);
  assert.match(hosts, /\d+\.\d+\.\d+\.\d+\tbox/);
  const resolv = await b.ok([
    'run',
    '--rm',
    '--dns',
    '127.0.0.99',
    '--dns-search',
    'example.test',
    'busybox',
    'cat',
    '/etc/resolv.conf',
  ]);
  assert.match(resolv, /nameserver 127\.0\.0\.99/);
  assert.match(resolv, /search example\.test/);

  await b.ok(['network', 'create', '--internal', 'sealed']);
  await b.ok(['network', 'create', 'open']);
  await b.ok(['run', '-d', '--name', 'outside', '--network', 'open', 'busybox', 'sleep', '60']);
  const outsideIp = (
    await b.ok([
      'inspect',
      '-f',
      '{{(index .NetworkSettings.Networks "open").IPAddress}}',
      'outside',
    ])
  ).trim();
  const sealed = await b.berth([
    'run',
    '--rm',
    '--network',
    'sealed',
    'busybox',
    'sh',
    '-c',
    `ip route; ping -c1 -W1 ${outsideIp} >/dev/null && echo escaped; true`,
  ]);
  assert.doesNotMatch(sealed.stdout, /default/);
  assert.doesNotMatch(sealed.stdout, /escaped/);
  await b.ok(['rm', '-f', 'outside']);
});

test('a root deleted without system reset leaves its bridge; a new root at that path takes it over', async (t) => {
  const b = await withNetworks(t);
  assert.equal(await b.ok(['run', '--rm', 'busybox', 'true']), '');
  // the state goes, the host's bridge stays (as after an rm -rf of the root)
  for (const d of ['networks', 'containers'])
    await fs.rm(`${b.root}/${d}`, { recursive: true, force: true });
  const hash = createHash('sha256').update(b.root).digest('hex').slice(0, 8);
  assert.ok((await fs.readdir('/sys/class/net')).includes(`berth${hash}`));
  assert.match(
    await b.ok(['run', '--rm', 'busybox', 'sh', '-c', 'ip -4 addr show eth0']),
    /inet \d+\.\d+\.\d+\.2\/\d+/,
  );
  assert.deepEqual(await hostLeftovers(b), []);
});
