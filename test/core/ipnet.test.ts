import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addressPlan,
  allocate,
  assignable,
  formatCidr,
  formatIpv4,
  macFor,
  overlaps,
  parseCidr,
  parseIpv4,
  pickSubnet,
} from '../../src/core/ipnet.js';

test('IPv4 addresses and CIDRs parse, format and compare', () => {
  assert.equal(parseIpv4('172.17.0.1'), 0xac110001);
  for (const bad of ['1.2.3', '1.2.3.256', '01.2.3.4', 'a.b.c.d', '1.2.3.4.5', ''])
    assert.equal(parseIpv4(bad), undefined, bad);
  assert.equal(formatIpv4(0xc0a80a01), '192.168.10.1');
  assert.equal(formatCidr(parseCidr('10.1.2.3/8')), '10.0.0.0/8');
  assert.throws(() => parseCidr('10.0.0.0/33'), /invalid subnet: 10.0.0.0\/33/);
  assert.throws(() => parseCidr('10.0.0.0'), /invalid subnet/);
  assert.ok(overlaps(parseCidr('10.0.0.0/8'), parseCidr('10.5.0.0/16')));
  assert.ok(!overlaps(parseCidr('172.17.0.0/16'), parseCidr('172.18.0.0/16')));
});

test("subnets come from Docker's pools, skipping whatever is in use", () => {
  assert.equal(formatCidr(pickSubnet([])!), '172.17.0.0/16');
  const used = ['172.17.0.0/16', '172.18.5.0/24', '10.0.0.0/8'].map((c) => parseCidr(c));
  assert.equal(formatCidr(pickSubnet(used)!), '172.19.0.0/16');
  const all172 = Array.from({ length: 15 }, (_, i) => parseCidr(`172.${17 + i}.0.0/16`));
  assert.equal(formatCidr(pickSubnet(all172)!), '192.168.0.0/20');
  assert.equal(pickSubnet([parseCidr('0.0.0.0/0')]), undefined);
});

test('address plans: gateway and range checked against the subnet, with Docker’s messages', () => {
  const plan = addressPlan('10.9.0.0/24');
  assert.equal(formatIpv4(plan.gateway), '10.9.0.1');
  assert.throws(
    () => addressPlan('10.9.0.0/24', '10.8.0.1'),
    /no matching subnet for gateway 10.8.0.1/,
  );
  assert.throws(() => addressPlan('10.9.0.0/24', 'x'), /invalid gateway address: x/);
  assert.throws(
    () => addressPlan('10.9.0.0/24', undefined, '10.10.0.0/25'),
    /no matching subnet for range/,
  );
  assert.throws(() => addressPlan('10.9.0.0/31'), /too small/);
});

test('allocation skips network, gateway, broadcast and used addresses; honours --ip-range', () => {
  const plan = addressPlan('10.9.0.0/29'); // .0 network, .1 gateway, .7 broadcast
  const used = new Set<number>();
  const got: string[] = [];
  for (let a = allocate(plan, used); a !== undefined; a = allocate(plan, used)) {
    used.add(a);
    got.push(formatIpv4(a));
  }
  assert.deepEqual(got, ['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6']);
  const ranged = addressPlan('10.9.0.0/24', undefined, '10.9.0.128/25');
  assert.equal(formatIpv4(allocate(ranged, new Set())!), '10.9.0.128');
  assert.ok(!assignable(plan, parseIpv4('10.9.0.1')!));
  assert.ok(!assignable(plan, parseIpv4('10.9.1.2')!));
  assert.ok(assignable(plan, parseIpv4('10.9.0.6')!));
});

test("Docker's MAC for an address", () => {
  assert.equal(macFor(parseIpv4('172.17.0.2')!), '02:42:ac:11:00:02');
});
