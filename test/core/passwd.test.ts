// Cases from moby/sys/user (user_test.go: TestGetExecUser, TestGetExecUserInvalid,
// TestGetExecUserNilSources, TestGetAdditionalGroups), with Docker's defaults (root, no home)
// instead of the test's 8888 defaults, and Docker's additionalGids: the primary gid first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isBerthError } from '../../src/core/errors.js';
import { resolveAdditionalGroups, resolveUser } from '../../src/core/passwd.js';

const largeGroup =
  'largegroup:x:1000:user1' + Array.from({ length: 7499 }, (_, i) => `,user${i + 2}`).join('');

const passwd = `
root:x:0:0:root user:/root:/bin/bash
adm:x:42:43:adm:/var/adm:/bin/false
111:x:222:333::/var/garbage
odd:x:111:112::/home/odd:::::
2147483647:x:0:0:maxint32:/root:/bin/bash
2147483648:x:0:0:toolarge:/root:/bin/bash
9223372036854775807:x:0:0:maxint64:/root:/bin/bash
user7456:x:7456:100:Vasya:/home/user7456
this is just some garbage data
`;
const group =
  `
root:x:0:root
adm:x:43:
grp:x:1234:root,adm,user7456
444:x:555:111
odd:x:444:
2147483647:x:1235:
2147483648:x:1236:
9223372036854775807:x:1237:
this is just some garbage data
` + largeGroup;

const MAX = 2147483647;

describe('resolveUser', () => {
  it('resolves names and ids as GetExecUser does', () => {
    const table: Array<[string, number, number, number[], string?]> = [
      ['root', 0, 0, [0, 0, 1234], '/root'],
      ['adm', 42, 43, [43, 1234], '/var/adm'],
      ['root:adm', 0, 43, [43], '/root'],
      ['adm:1234', 42, 1234, [1234], '/var/adm'],
      ['42:1234', 42, 1234, [1234], '/var/adm'],
      ['1337:1234', 1337, 1234, [1234]],
      ['1337', 1337, 0, [0]],
      ['', 0, 0, [0, 0, 1234], '/root'],
      ['111', 111, 112, [112], '/home/odd'],
      ['111:444', 111, 444, [444], '/home/odd'],
      ['7456', 7456, 100, [100, 1234, 1000], '/home/user7456'],
      ['7456:2147483647', 7456, MAX, [MAX], '/home/user7456'],
      ['2147483647:43', MAX, 43, [43]],
      ['2147483647', MAX, 0, [0]],
      ['odd:grp', 111, 1234, [1234], '/home/odd'],
    ];
    for (const [spec, uid, gid, additionalGids, home] of table) {
      const want =
        home === undefined ? { uid, gid, additionalGids } : { uid, gid, additionalGids, home };
      assert.deepEqual(resolveUser(spec, passwd, group), want, spec);
    }
  });

  it('refuses unknown names and ids out of range', () => {
    const invalidPasswd = `
root:x:0:0:root user:/root:/bin/bash
adm:x:42:43:adm:/var/adm:/bin/false
-42:x:12:13:broken:/very/broken
2147483647:x:0:0:maxint32:/root:/bin/bash
2147483648:x:0:0:toolarge:/root:/bin/bash
9223372036854775807:x:0:0:maxint64:/root:/bin/bash
9223372036854775808:x:0:0:maxint64plusone:/root:/bin/bash
this is just some garbage data
`;
    const invalidGroup = `
root:x:0:root
adm:x:43:
grp:x:1234:root,adm
2147483647:x:1235:
2147483648:x:1236:
9223372036854775807:x:1237:
9223372036854775808:x:1238:
this is just some garbage data
`;
    const table: Array<[string, string]> = [
      ['notuser', 'unable to find user notuser: no matching entries in passwd file'],
      ['notuser:notgroup', 'unable to find user notuser: no matching entries in passwd file'],
      ['root:notgroup', 'unable to find group notgroup: no matching entries in group file'],
      ['notuser:adm', 'unable to find user notuser: no matching entries in passwd file'],
      ['8888:notgroup', 'unable to find group notgroup: no matching entries in group file'],
      ['notuser:8888', 'unable to find user notuser: no matching entries in passwd file'],
    ];
    for (const [spec, message] of table) {
      assert.throws(
        () => resolveUser(spec, invalidPasswd, invalidGroup),
        (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === message,
        spec,
      );
    }
    for (const spec of [
      '-1:0',
      '0:-3',
      '-5:-2',
      '-42',
      '-43',
      '42:2147483648',
      '2147483648:43',
      '2147483648',
      '7456:9223372036854775807',
      '9223372036854775807:43',
      '9223372036854775807',
      '9223372036854775808',
      '0:9223372036854775808',
    ]) {
      assert.throws(
        () => resolveUser(spec, invalidPasswd, invalidGroup),
        (e: unknown) =>
          isBerthError(e, 'InvalidArgument') &&
          e.message === 'uids and gids must be in range 0-2147483647',
        spec,
      );
    }
  });

  it('works without the files for numeric ids', () => {
    const smallPasswd =
      'root:x:0:0:root user:/root:/bin/bash\nadm:x:42:43:adm:/var/adm:/bin/false\n';
    assert.deepEqual(resolveUser('', undefined, undefined), {
      uid: 0,
      gid: 0,
      additionalGids: [0],
    });
    assert.deepEqual(resolveUser('root', smallPasswd, undefined), {
      uid: 0,
      gid: 0,
      additionalGids: [0],
      home: '/root',
    });
    assert.deepEqual(resolveUser('0', undefined, undefined), {
      uid: 0,
      gid: 0,
      additionalGids: [0],
    });
    assert.deepEqual(resolveUser('1000:1000', undefined, undefined), {
      uid: 1000,
      gid: 1000,
      additionalGids: [1000],
    });
    assert.throws(
      () => resolveUser('root', undefined, undefined),
      (e: unknown) =>
        isBerthError(e, 'InvalidArgument') &&
        e.message === 'unable to find user root: no matching entries in passwd file',
    );
    assert.throws(
      () => resolveUser('0:wheel', undefined, undefined),
      (e: unknown) =>
        isBerthError(e, 'InvalidArgument') &&
        e.message === 'unable to find group wheel: no matching entries in group file',
    );
  });

  it('adds --group-add groups', () => {
    assert.deepEqual(resolveUser('adm', passwd, group, ['odd', '4242']), {
      uid: 42,
      gid: 43,
      additionalGids: [43, 1234, 444, 4242],
      home: '/var/adm',
    });
  });
});

describe('resolveAdditionalGroups (GetAdditionalGroups)', () => {
  const groups =
    `
root:x:0:root
adm:x:43:
grp:x:1234:root,adm
adm:x:4343:root,adm-duplicate
2147483648:x:0:
9223372036854775808:x:0:
toolarge:x:2147483648:
this is just some garbage data
` + largeGroup;
  const sorted = (a: number[]) => [...a].sort((x, y) => x - y);

  it('resolves names and gids', () => {
    const table: Array<[string[], number[]]> = [
      [[], []],
      [['adm'], [43]],
      [
        ['10001', 'adm'],
        [43, 10001],
      ],
      [
        ['adm', 'grp'],
        [43, 1234],
      ],
      [['43'], [43]],
      [
        ['adm', '10001'],
        [43, 10001],
      ],
      [['adm', '43'], [43]],
      [['largegroup'], [1000]],
    ];
    for (const [names, want] of table) {
      assert.deepEqual(sorted(resolveAdditionalGroups(names, groups)), want, names.join(','));
    }
    assert.deepEqual(resolveAdditionalGroups(['1234', '5678'], undefined), [1234, 5678]);
  });

  it('refuses unknown names and gids out of range', () => {
    for (const names of [
      ['adm', 'grp', 'not-exist'],
      ['-1'],
      ['2147483648'],
      ['9223372036854775808'],
      ['toolarge'],
      ['1234', 'fake'],
    ]) {
      assert.throws(
        () => resolveAdditionalGroups(names, names.includes('fake') ? undefined : groups),
        (e: unknown) => isBerthError(e, 'InvalidArgument'),
        names.join(','),
      );
    }
  });
});
