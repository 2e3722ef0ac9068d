'use strict';
// Runs during the build: the handler answers as it should.
const handle = require('./app.js');
let out = '';
handle(
  { url: '/test' },
  {
    writeHead() {},
    end(b) {
      out += b;
    },
  },
);
const got = JSON.parse(out);
if (got.hello !== 'from berth' || got.path !== '/test') throw new Error(`selftest failed: ${out}`);
console.log('selftest ok');
