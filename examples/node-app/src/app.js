'use strict';
// The request handler, kept apart from the server so selftest.js can call it.
module.exports = function handle(req, res) {
  const body = JSON.stringify({ hello: 'from berth', path: req.url, user: process.getuid() });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body + '\n');
};
