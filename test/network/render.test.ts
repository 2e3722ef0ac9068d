/** The pure parts of the network layer: the nftables table and aardvark-dns's files. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderDnsConfig } from '../../src/network/dns.js';
import { renderTable, tableName } from '../../src/network/firewall.js';

test('one nftables table per state root', () => {
  assert.equal(tableName('/var/lib/berth'), 'berth');
  assert.match(tableName('/tmp/x'), /^berth_[0-9a-f]{8}$/);
  assert.notEqual(tableName('/tmp/x'), tableName('/tmp/y'));
});

test('the table holds the published ports, masqueraded subnets and internal bridges', () => {
  const t = renderTable('berth', {
    bridges: [
      { device: 'berth0', subnet: '172.17.0.0/16', internal: false },
      { device: 'br-aaa', subnet: '10.1.0.0/24', internal: true },
    ],
    ports: [
      {
        hostIp: '0.0.0.0',
        hostPort: 8080,
        protocol: 'tcp',
        containerIp: '172.17.0.2',
        containerPort: 80,
      },
      {
        hostIp: '127.0.0.1',
        hostPort: 5353,
        protocol: 'udp',
        containerIp: '172.17.0.3',
        containerPort: 53,
      },
    ],
  });
  assert.match(t, /elements = \{ tcp \. 8080 : 172\.17\.0\.2 \. 80 \}/);
  assert.match(t, /elements = \{ 127\.0\.0\.1 \. udp \. 5353 : 172\.17\.0\.3 \. 53 \}/);
  assert.match(
    t,
    /set masquerade_nets \{\s+type ipv4_addr; flags interval\s+elements = \{ 172\.17\.0\.0\/16 \}/,
  );
  assert.match(t, /set internal_bridges \{\s+type ifname\s+elements = \{ "br-aaa" \}/);
});

test("aardvark-dns's file: the gateway, then one line per container", () => {
  assert.equal(
    renderDnsConfig({
      name: 'app-net',
      gateway: '10.1.0.1',
      records: [{ id: 'abc', ipv4: '10.1.0.2', names: ['db', 'database'] }],
    }),
    '10.1.0.1\nabc 10.1.0.2  db,database\n',
  );
});
