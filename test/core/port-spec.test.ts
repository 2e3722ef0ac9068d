// Cases from go-connections (nat/nat_test.go, nat/parse_test.go), docker/cli
// (cli/command/container/opts_test.go, cli/command/formatter/container_test.go), with Docker's
// messages.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../src/core/errors.js';
import {
  exposedPortsJson,
  formatPortsColumn,
  parseExpose,
  parsePortKey,
  parsePublish,
  portBindingsJson,
  portKey,
  type PortMapping,
  type PortSummary,
} from '../../src/core/port-spec.js';

const rejects = (fn: () => unknown, message: string) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(isBerthError(e, 'InvalidArgument'), String(e));
    assert.equal(e.message, message);
    return true;
  });

const m = (
  containerPort: number,
  hostPort = 0,
  hostIp = '',
  protocol: PortMapping['protocol'] = 'tcp',
): PortMapping => ({ hostIp, hostPort, containerPort, protocol });

describe('parsePublish (-p)', () => {
  const valid: [string, PortMapping[]][] = [
    ['8080:80', [m(80, 8080)]],
    ['127.0.0.1:8080:80', [m(80, 8080, '127.0.0.1')]],
    ['8080:80/udp', [m(80, 8080, '', 'udp')]],
    ['8080:80/UDP', [m(80, 8080, '', 'udp')]],
    ['3456:3456/sctp', [m(3456, 3456, '', 'sctp')]],
    ['[::1]:8080:80', [m(80, 8080, '::1')]],
    ['[2001:4860:0:2001::68]::333', [m(333, 0, '2001:4860:0:2001::68')]],
    ['2001:4860:0:2001::68::333', [m(333, 0, '2001:4860:0:2001::68')]],
    ['::1:80:80', [m(80, 80, '::1')]],
    ['::::80', [m(80, 0, '::')]],
    ['[::ffff:10.0.0.1]:53:53/udp', [m(53, 53, '::ffff:10.0.0.1', 'udp')]],
    ['80', [m(80)]],
    ['80/', [m(80)]],
    ['127.0.0.1::80', [m(80, 0, '127.0.0.1')]],
    ['192.168.1.100::6000/udp', [m(6000, 0, '192.168.1.100', 'udp')]],
    ['0:80', [m(80)]],
    ['0080:080', [m(80, 80)]],
    ['0.0.0.0:1234-1235:3333-3334/tcp', [m(3333, 1234, '0.0.0.0'), m(3334, 1235, '0.0.0.0')]],
    ['8000-8001:80-81', [m(80, 8000), m(81, 8001)]],
    ['1234-1236/udp', [m(1234, 0, '', 'udp'), m(1235, 0, '', 'udp'), m(1236, 0, '', 'udp')]],
    ['8000-8010:80', [{ ...m(80, 8000), hostPortEnd: 8010 }]],
    ['8080-8080:80', [m(80, 8080)]],
    ['80-80', [m(80)]],
    ['published=8080,target=80', [m(80, 8080)]],
    ['target=53,published=5353,protocol=udp,mode=host', [m(53, 5353, '', 'udp')]],
    ['target=80', [m(80)]],
  ];
  for (const [spec, want] of valid)
    it(`parses ${spec}`, () => assert.deepEqual(parsePublish(spec), want));

  const invalid: [string, string][] = [
    ['', 'no port specified: <empty>'],
    ['8080:', 'no port specified: 8080:<empty>'],
    ['/udp', 'no port specified: /udp<empty>'],
    ['8080:80/xyz', 'invalid proto: xyz'],
    ['8080:80/TCPX', 'invalid proto: tcpx'],
    ['abc', 'invalid containerPort: abc'],
    ['8080:abc', 'invalid containerPort: abc'],
    ['0', 'invalid containerPort: 0'],
    ['8080:0', 'invalid containerPort: 0'],
    ['65536', 'invalid containerPort: 65536'],
    ['90-80', 'invalid containerPort: 90-80'],
    ['80-', 'invalid containerPort: 80-'],
    ['1-2-3', 'invalid containerPort: 1-2-3'],
    ['+80', 'invalid containerPort: +80'],
    ['192.168.1.100', 'invalid containerPort: 192.168.1.100'],
    ['70000:80', 'invalid hostPort: 70000'],
    ['127.0.0.1:80', 'invalid hostPort: 127.0.0.1'],
    ['192.168.1.100:-1:-1', 'invalid containerPort: -1'],
    ['9000-8000:80', 'invalid hostPort: 9000-8000'],
    ['1.2.3:8080:80', 'invalid IP address: 1.2.3'],
    ['localhost:1234:1234/tcp', 'invalid IP address: localhost'],
    ['01.2.3.4:80:80', 'invalid IP address: 01.2.3.4'],
    ['256.0.0.1:80:80', 'invalid IP address: 256.0.0.1'],
    ['fe80::1%eth0:80:80', 'invalid IP address: fe80::1%eth0'],
    ['1:2:3:4:5:6:7::8:80:80', 'invalid IP address: 1:2:3:4:5:6:7::8'],
    ['[::1:80:80', "invalid IP address [::1: address [::1:: missing ']' in address"],
    ['[::1]x:80:80', 'invalid IP address [::1]x: address [::1]x:: missing port in address'],
    ['[::1]:1:80:80', 'invalid IP address [::1]:1: address [::1]:1:: too many colons in address'],
    ['[localhost]:80:80', 'invalid IP address: localhost'],
    [
      '8000-8005:80-81',
      'invalid ranges specified for container and host Ports: 80-81 and 8000-8005',
    ],
    ['8080:80-81', 'invalid ranges specified for container and host Ports: 80-81 and 8080'],
    ['published=8080,80', "invalid publish opts format (should be name=value but got '80')"],
    ['=8080,target=80', "invalid publish opts format (should be name=value but got '=8080')"],
  ];
  for (const [spec, message] of invalid)
    it(`rejects ${JSON.stringify(spec)}`, () => rejects(() => parsePublish(spec), message));
});

describe('parseExpose (--expose, ExposedPorts keys)', () => {
  const valid: [string, ReturnType<typeof parseExpose>][] = [
    ['80', { port: 80, portEnd: 80, protocol: 'tcp' }],
    ['80/tcp', { port: 80, portEnd: 80, protocol: 'tcp' }],
    ['8080/udp', { port: 8080, portEnd: 8080, protocol: 'udp' }],
    ['8080-8080/udp', { port: 8080, portEnd: 8080, protocol: 'udp' }],
    ['80-90/udp', { port: 80, portEnd: 90, protocol: 'udp' }],
    ['8080-8082/tcp', { port: 8080, portEnd: 8082, protocol: 'tcp' }],
    ['53/SCTP', { port: 53, portEnd: 53, protocol: 'sctp' }],
  ];
  for (const [spec, want] of valid)
    it(`parses ${spec}`, () => assert.deepEqual(parseExpose(spec), want));

  const invalid: [string, string][] = [
    [':', 'invalid port format for --expose: :'],
    ['8080:9090', 'invalid port format for --expose: 8080:9090'],
    ['/tcp', 'invalid range format for --expose: /tcp, error: empty string specified for ports'],
    [
      'NaN/tcp',
      'invalid range format for --expose: NaN/tcp, error: strconv.ParseUint: parsing "NaN": invalid syntax',
    ],
    [
      '8080-NaN/tcp',
      'invalid range format for --expose: 8080-NaN/tcp, error: strconv.ParseUint: parsing "NaN": invalid syntax',
    ],
    [
      '1234567890-8080/tcp',
      'invalid range format for --expose: 1234567890-8080/tcp, error: strconv.ParseUint: parsing "1234567890": value out of range',
    ],
    [
      '80000',
      'invalid range format for --expose: 80000, error: strconv.ParseUint: parsing "80000": value out of range',
    ],
    [
      '9000-8000',
      'invalid range format for --expose: 9000-8000, error: invalid range specified for port: 9000-8000',
    ],
    ['0', 'invalid containerPort: 0'],
    ['8080/ncp', 'invalid proto: ncp'],
  ];
  for (const [spec, message] of invalid)
    it(`rejects ${spec}`, () => rejects(() => parseExpose(spec), message));
});

describe('portKey / parsePortKey', () => {
  it('formats keys', () => {
    assert.equal(portKey(80, 'tcp'), '80/tcp');
    assert.equal(portKey(53, 'udp'), '53/udp');
    assert.equal(portKey(443), '443/tcp');
  });
  it('parses keys', () => {
    assert.deepEqual(parsePortKey('80/tcp'), { port: 80, protocol: 'tcp' });
    assert.deepEqual(parsePortKey('53/udp'), { port: 53, protocol: 'udp' });
    assert.deepEqual(parsePortKey('9/SCTP'), { port: 9, protocol: 'sctp' });
    assert.deepEqual(parsePortKey('8080'), { port: 8080, protocol: 'tcp' });
    for (const key of ['1/tcp', '65535/udp']) assert.equal(portKey(...pk(key)), key);
  });
  const pk = (k: string) => {
    const { port, protocol } = parsePortKey(k);
    return [port, protocol] as const;
  };
  it('rejects bad keys', () => {
    rejects(() => parsePortKey(''), 'invalid port: value is empty');
    rejects(() => parsePortKey('/tcp'), "invalid port '': value is empty");
    rejects(() => parsePortKey('abc/tcp'), "invalid port 'abc': invalid syntax");
    rejects(() => parsePortKey('80-90/tcp'), "invalid port '80-90': invalid syntax");
    rejects(() => parsePortKey('65536/tcp'), "invalid port '65536': value out of range");
    rejects(() => parsePortKey('80/icmp'), 'invalid proto: icmp');
  });
});

describe('portBindingsJson / exposedPortsJson', () => {
  it('builds HostConfig.PortBindings', () => {
    const mappings = [
      ...parsePublish('8080:80'),
      ...parsePublish('127.0.0.1:8081:80'),
      ...parsePublish('[::1]::53/udp'),
      ...parsePublish('8000-8010:90'),
      ...parsePublish('7000-7001:70-71'),
    ];
    assert.deepEqual(portBindingsJson(mappings), {
      '80/tcp': [
        { HostIp: '', HostPort: '8080' },
        { HostIp: '127.0.0.1', HostPort: '8081' },
      ],
      '53/udp': [{ HostIp: '::1', HostPort: '' }],
      '90/tcp': [{ HostIp: '', HostPort: '8000-8010' }],
      '70/tcp': [{ HostIp: '', HostPort: '7000' }],
      '71/tcp': [{ HostIp: '', HostPort: '7001' }],
    });
  });
  it('builds Config.ExposedPorts from mappings and --expose values', () => {
    assert.deepEqual(exposedPortsJson([...parsePublish('8080:80'), parseExpose('90-91/udp')]), {
      '80/tcp': {},
      '90/udp': {},
      '91/udp': {},
    });
  });
});

describe('formatPortsColumn (docker ps PORTS)', () => {
  const p = (privatePort: number, protocol: string, ip?: string, publicPort?: number) =>
    ({ privatePort, protocol, ip, publicPort }) as PortSummary;
  const cases: [string, PortSummary[], string][] = [
    ['nothing', [], ''],
    ['exposed only', [p(80, 'tcp')], '80/tcp'],
    ['published', [p(80, 'tcp', '0.0.0.0', 8080)], '0.0.0.0:8080->80/tcp'],
    ['loopback', [p(80, 'tcp', '127.0.0.1', 8080)], '127.0.0.1:8080->80/tcp'],
    [
      'IPv4 and IPv6 twins',
      [p(80, 'tcp', '::', 8080), p(80, 'tcp', '0.0.0.0', 8080)],
      '0.0.0.0:8080->80/tcp, [::]:8080->80/tcp',
    ],
    ['same port', [p(9090, 'tcp', '0.0.0.0', 9090)], '0.0.0.0:9090->9090/tcp'],
    [
      'consecutive same ports compacted',
      [p(8001, 'tcp', '0.0.0.0', 8001), p(8000, 'tcp', '0.0.0.0', 8000)],
      '0.0.0.0:8000-8001->8000-8001/tcp',
    ],
    [
      'consecutive mapped ports not compacted',
      [p(81, 'tcp', '0.0.0.0', 8001), p(80, 'tcp', '0.0.0.0', 8000)],
      '0.0.0.0:8000->80/tcp, 0.0.0.0:8001->81/tcp',
    ],
    ['exposed range', [p(6000, 'tcp'), p(6001, 'tcp'), p(6002, 'tcp')], '6000-6002/tcp'],
    ['udp', [p(9988, 'udp')], '9988/udp'],
    [
      'protocols grouped apart',
      [p(80, 'udp'), p(80, 'tcp'), p(81, 'tcp'), p(81, 'udp')],
      '80-81/tcp, 80-81/udp',
    ],
    ['gap closes a group', [p(80, 'tcp'), p(81, 'tcp'), p(443, 'tcp')], '80-81/tcp, 443/tcp'],
    [
      'docker/cli: mixed',
      [p(9090, 'tcp', '0.0.0.0', 9090), p(9988, 'udp'), p(6000, 'tcp', '4.3.2.1', 3322)],
      '0.0.0.0:9090->9090/tcp, 9988/udp, 4.3.2.1:3322->6000/tcp',
    ],
    [
      'docker/cli: ranges across IPs',
      [
        p(9998, 'udp', '1.2.3.4', 9998),
        p(9999, 'udp', '1.2.3.4', 9999),
        p(8887, 'tcp', '1.2.3.4', 8887),
        p(8888, 'tcp', '1.2.3.4', 8888),
        p(9998, 'udp', '4.3.2.1', 9998),
        p(9999, 'udp', '4.3.2.1', 9999),
      ],
      '1.2.3.4:8887-8888->8887-8888/tcp, 1.2.3.4:9998-9999->9998-9999/udp, 4.3.2.1:9998-9999->9998-9999/udp',
    ],
    [
      'published next to exposed',
      [p(80, 'tcp'), p(80, 'tcp', '0.0.0.0', 8080), p(81, 'tcp')],
      '80-81/tcp, 0.0.0.0:8080->80/tcp',
    ],
  ];
  for (const [name, ports, want] of cases)
    it(name, () => assert.equal(formatPortsColumn(ports), want));

  it('does not reorder its input', () => {
    const ports = [p(81, 'tcp'), p(80, 'tcp')];
    formatPortsColumn(ports);
    assert.equal(ports[0]!.privatePort, 81);
  });
});
