// Expected outputs follow Go's text/tabwriter as docker configures it (minwidth 10, padding 3,
// space padding) and docker/cli's formatter.Context; they were checked against Go.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderFormatted, tabwrite } from '../../src/cli/format/table.js';
import { isBerthError } from '../../src/core/errors.js';

describe('tabwrite', () => {
  it("pads each column to its widest cell plus 3, but leaves the last cell alone (docker's images)", () => {
    const out = tabwrite([
      ['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'],
      ['nginx', 'latest', '9c7a54a9a43c', '2 weeks ago', '187MB'],
      ['<none>', '<none>', 'deadbeef0000', '3 months ago', '1.2GB'],
    ]);
    // REPOSITORY is 10 wide → 13; TAG column 6 + 3 = 9 → minwidth 10; IMAGE ID 12 + 3 = 15;
    // CREATED 12 + 3 = 15; SIZE is last: unpadded.
    assert.equal(
      out,
      'REPOSITORY   TAG       IMAGE ID       CREATED        SIZE\n' +
        'nginx        latest    9c7a54a9a43c   2 weeks ago    187MB\n' +
        '<none>       <none>    deadbeef0000   3 months ago   1.2GB\n',
    );
  });

  it('gives an empty column the minimum width of 10', () => {
    assert.equal(
      tabwrite([
        ['A', '', 'C'],
        ['aaaa', '', 'c'],
      ]),
      'A                   C\naaaa                c\n',
    );
  });

  it('pads a trailing empty cell: a row ending in a tab keeps trailing spaces', () => {
    assert.equal(
      tabwrite([
        ['a', ''],
        ['bb', ''],
      ]),
      'a         \nbb        \n',
    );
  });

  it('ends a column at the first row without a cell in it (columns are contiguous blocks)', () => {
    // Row 2 has a single cell, so the first column of row 3 starts a new block whose width
    // does not affect row 1.
    assert.equal(
      tabwrite([['a', 'b', 'c'], ['x'], ['longer-than-ten', 'y']]),
      'a         b         c\nx\nlonger-than-ten   y\n',
    );
  });

  it('sizes nested columns per block: a short row splits only the columns it lacks', () => {
    assert.equal(
      tabwrite([
        ['a', 'bbbbbbbbbbbb', 'c'],
        ['a', 'b'],
        ['aa', 'b', 'c'],
      ]),
      // Column 0 spans all rows (every row has ≥ 2 cells). Column 1 exists in rows 1 and 3
      // only, which are not contiguous: two blocks, widths 15 and 10.
      'a         bbbbbbbbbbbb   c\n' + 'a         b\n' + 'aa        b         c\n',
    );
  });

  it('renders empty input and empty rows', () => {
    assert.equal(tabwrite([]), '');
    assert.equal(tabwrite([[]]), '\n');
    assert.equal(tabwrite([['only']]), 'only\n');
  });

  it('measures wide characters as two cells, like docker (go-runewidth)', () => {
    assert.equal(
      tabwrite([
        ['日本語のイメージ名', 'x'],
        ['abc', 'y'],
      ]),
      '日本語のイメージ名   x\nabc' + ' '.repeat(18) + 'y\n',
    );
    assert.equal(tabwrite([['é', 'x']]), 'é         x\n');
  });

  it('takes other minimum widths and paddings', () => {
    assert.equal(
      tabwrite(
        [
          ['a', 'b'],
          ['cc', 'd'],
        ],
        { minWidth: 0, padding: 1 },
      ),
      'a  b\ncc d\n',
    );
    assert.equal(tabwrite([['a', 'b']], { padding: 0, minWidth: 4 }), 'a   b\n');
  });

  it('splits cells on tabs inside a cell, as the underlying writer does', () => {
    assert.equal(tabwrite([['a\tb', 'c']]), 'a         b         c\n');
  });
});

const rows = [
  {
    ID: '9c7a54a9a43c',
    Repository: 'nginx',
    Tag: 'latest',
    Size: '187MB',
    RepoTags: ['nginx:latest', 'nginx:1'],
  },
  { ID: 'deadbeef0000', Repository: '<none>', Tag: '<none>', Size: '1.2GB', RepoTags: [] },
];
const headers = {
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Size: 'SIZE',
  RepoTags: 'TAGS',
};

describe('renderFormatted', () => {
  it('renders a table with a header row, aligned by the tabwriter', () => {
    assert.equal(
      renderFormatted('table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Size}}', rows, headers),
      'REPOSITORY   TAG       IMAGE ID       SIZE\n' +
        'nginx        latest    9c7a54a9a43c   187MB\n' +
        '<none>       <none>    deadbeef0000   1.2GB\n',
    );
  });

  it('turns a typed backslash-t into a tab, and backslash-n into a newline', () => {
    const typed = 'table {{.Repository}}\\t{{.Tag}}';
    assert.equal(
      renderFormatted(typed, rows, headers),
      renderFormatted('table {{.Repository}}\t{{.Tag}}', rows, headers),
    );
    assert.equal(renderFormatted('{{.ID}}\\n', rows.slice(0, 1), headers), '9c7a54a9a43c\n\n');
  });

  it('prints one unaligned line per row without "table"', () => {
    assert.equal(
      renderFormatted('{{.ID}}\t{{.Repository}}', rows, headers),
      '9c7a54a9a43c\tnginx\ndeadbeef0000\t<none>\n',
    );
  });

  it('prints only the header for no rows', () => {
    assert.equal(
      renderFormatted('table {{.ID}}\t{{.Repository}}', [], headers),
      'IMAGE ID   REPOSITORY\n',
    );
    assert.equal(renderFormatted('{{.ID}}', [], headers), '');
  });

  it('trims spaces around the format, as docker does', () => {
    assert.equal(
      renderFormatted('table   {{.ID}}   ', rows, headers),
      'IMAGE ID\n9c7a54a9a43c\ndeadbeef0000\n',
    );
    assert.equal(renderFormatted('  {{.Tag}}  ', rows, headers), 'latest\n<none>\n');
  });

  it('renders {{json .}} per row with sorted keys (docker marshals rows as maps)', () => {
    const want =
      '{"ID":"9c7a54a9a43c","RepoTags":["nginx:latest","nginx:1"],"Repository":"nginx","Size":"187MB","Tag":"latest"}\n' +
      '{"ID":"deadbeef0000","RepoTags":[],"Repository":"<none>","Size":"1.2GB","Tag":"<none>"}\n';
    assert.equal(renderFormatted('{{json .}}', rows, headers), want);
    assert.equal(
      renderFormatted('json', rows, headers),
      renderFormatted('{{json .}}', rows, headers),
    );
  });

  it('renders headers with the header functions: text passes through unchanged', () => {
    const lower = { ...headers, Repository: 'Repository' };
    assert.equal(
      renderFormatted(
        'table {{upper .Repository}}\t{{join .RepoTags ","}}\t{{json .Tag}}',
        rows,
        lower,
      ),
      'Repository   TAGS                   TAG\n' +
        'NGINX        nginx:latest,nginx:1   "latest"\n' +
        '<NONE>                              "<none>"\n',
    );
  });

  it('pads headers with pad, like the rows', () => {
    assert.equal(
      renderFormatted('table {{pad .Tag 1 1}}|', rows.slice(0, 1), headers),
      ' TAG |\n latest |\n',
    );
  });

  it('keeps a header that fails to render as far as it got (docker ignores the error)', () => {
    assert.equal(renderFormatted('table {{json .}}', [{ A: 1 }], {}), '\n{"A":1}\n');
    assert.equal(
      renderFormatted('table {{.Nope}}\t{{.ID}}', rows.slice(0, 1), headers),
      '<no value>   IMAGE ID\n<no value>   9c7a54a9a43c\n',
    );
  });

  it('works with range and conditionals inside cells', () => {
    assert.equal(
      renderFormatted(
        'table {{.ID}}\t{{if .RepoTags}}{{join .RepoTags " "}}{{else}}-{{end}}',
        rows,
        headers,
      ),
      'IMAGE ID       TAGS\n9c7a54a9a43c   nginx:latest nginx:1\ndeadbeef0000   -\n',
    );
    // In the header, .RepoTags is the string "TAGS", which range cannot iterate over: as in
    // docker, the header stops there.
    assert.equal(
      renderFormatted('table {{.ID}}\t{{range .RepoTags}}{{.}} {{else}}-{{end}}', rows, headers),
      'IMAGE ID       \n9c7a54a9a43c   nginx:latest nginx:1 \ndeadbeef0000   -\n',
    );
  });

  it('passes class instances as they are, so their methods work', () => {
    class Row {
      constructor(private readonly id: string) {}
      ID() {
        return this.id.slice(0, 4);
      }
    }
    assert.equal(renderFormatted('{{.ID}}', [new Row('abcdef')], headers), 'abcd\n');
  });

  it('throws InvalidArgument for bad templates and failing rows', () => {
    const check = (format: string, message: string) =>
      assert.throws(
        () => renderFormatted(format, rows, headers),
        (e: unknown) => isBerthError(e, 'InvalidArgument') && e.message === message,
      );
    check('table {{.ID', 'template parsing error: template: :1: unclosed action');
    check('{{nope .ID}}', 'template parsing error: template: :1: function "nope" not defined');
    check(
      '{{.ID.X}}',
      'template parsing error: template: :1:5: executing "" at <.ID.X>: can\'t evaluate field X in type string',
    );
  });
});
