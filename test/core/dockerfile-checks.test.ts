import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkDockerfile,
  formatFindings,
  parseCheckConfig,
} from '../../src/core/dockerfile-checks.js';
import { parseDockerfile } from '../../src/core/dockerfile/parser.js';
import { isBerthError } from '../../src/core/errors.js';

const findings = (text: string, check?: string) =>
  checkDockerfile(parseDockerfile(text), parseCheckConfig(check)).map(
    (f) => `${f.line} ${f.rule}: ${f.message}`,
  );

describe('build checks', () => {
  it('finds nothing in a tidy Dockerfile', () => {
    assert.deepEqual(
      findings(
        [
          'ARG BASE=busybox',
          'FROM $BASE AS build',
          'WORKDIR /src',
          'ENV MODE=prod',
          'COPY . .',
          'RUN make',
          'FROM busybox',
          'COPY --from=build /src/app /app',
          'EXPOSE 80/tcp',
          'CMD ["/app"]',
        ].join('\n'),
      ),
      [],
    );
  });

  it("names each rule as BuildKit does, with BuildKit's message and the line", () => {
    const text = [
      'FROM busybox as Builder', // 1: FromAsCasing, StageNameCasing
      'MAINTAINER me', // 2
      'WORKDIR app', // 3: relative, no absolute before
      'ENV MODE prod', // 4: legacy form
      'ARG GITHUB_TOKEN', // 5: looks secret
      'ENV PUBLIC_KEY=abc', // 6: public: not a secret
      'EXPOSE 80/TCP', // 7
      'CMD echo one', // 8: shell form, and not the last CMD
      'CMD ["echo", "two"]', // 9
      'FROM $UNDECLARED AS builder', // 10: undeclared arg, duplicate name
      'FROM --platform=linux/amd64 busybox AS scratch', // 11: constant platform, reserved name
      'FROM --platform=$TARGETPLATFORM busybox', // 12
      'run true', // 13: the majority is upper case
      'RUN a && \\',
      '',
      '  b', // 14-16: an empty continuation line
    ].join('\n');
    assert.deepEqual(findings(text), [
      "1 FromAsCasing: 'as' and 'FROM' keywords' casing do not match",
      "1 StageNameCasing: Stage name 'Builder' should be lowercase",
      '2 MaintainerDeprecated: Maintainer instruction is deprecated in favor of using label',
      '3 WorkdirRelativePath: Relative workdir "app" can have unexpected results if the base image changes',
      '4 LegacyKeyValueFormat: "ENV key=value" should be used instead of legacy "ENV key value" format',
      '5 SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ARG "GITHUB_TOKEN")',
      "7 ExposeProtoCasing: Defined protocol '80/TCP' in EXPOSE instruction should be lowercase",
      '8 JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals',
      '8 MultipleInstructionsDisallowed: Multiple CMD instructions should not be used in the same stage because only the last one will be used',
      '10 DuplicateStageName: Duplicate stage name "builder", stage names should be unique',
      "10 UndefinedArgInFrom: FROM argument 'UNDECLARED' is not declared",
      '11 ReservedStageName: Stage name should not use the same name as reserved stage "scratch"',
      '11 FromPlatformFlagConstDisallowed: FROM --platform flag should not use constant value "linux/amd64"',
      '12 RedundantTargetPlatform: Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior',
      "13 ConsistentInstructionCasing: Command 'run' should match the case of the command majority (uppercase)",
      '16 NoEmptyContinuation: Empty continuation line',
    ]);
  });

  it("takes secrets and pinned platforms as BuildKit's linter does", () => {
    const text = [
      'FROM --platform=linux/amd64 busybox AS build-amd64', // named for its platform
      'ARG dbPassword', // not _-separated: not a secret to BuildKit
      'ARG SECRET_FILE', // a file name, not a secret
      'ARG api_key',
      'ENV AUTH=x',
    ].join('\n');
    assert.deepEqual(findings(text), [
      '4 SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ARG "api_key")',
      '5 SecretsUsedInArgOrEnv: Do not use ARG or ENV instructions for sensitive data (ENV "AUTH")',
    ]);
  });

  it('turns off the rules # check= names, or all of them', () => {
    const text = 'FROM busybox as Builder\nCMD echo hi\n';
    assert.equal(findings(text).length, 3);
    assert.deepEqual(findings(text, 'skip=FromAsCasing,JSONArgsRecommended'), [
      "1 StageNameCasing: Stage name 'Builder' should be lowercase",
    ]);
    assert.deepEqual(findings(text, 'skip=all'), []);
    assert.deepEqual(parseCheckConfig('skip=all;error=true'), { skip: 'all', error: true });
    assert.equal(parseCheckConfig(' error = true ').error, true);
    assert.equal(parseCheckConfig(undefined).error, false);
  });

  it('refuses a malformed check directive', () => {
    const bad = (v: string) =>
      assert.throws(
        () => parseCheckConfig(v),
        (e) => isBerthError(e, 'InvalidArgument'),
        v,
      );
    bad('error=maybe');
    bad('skipp=all');
  });

  it('summarises findings as BuildKit does', () => {
    assert.deepEqual(formatFindings([]), []);
    assert.deepEqual(formatFindings([{ rule: 'R', message: 'm', line: 3 }]), [
      ' 1 warning found (use docker --debug to expand):',
      ' - R: m (line 3)',
    ]);
  });
});
