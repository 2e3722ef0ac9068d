'use strict';
require('node:http')
  .get({ host: '127.0.0.1', port: Number(process.env.PORT || 3000), timeout: 2000 }, (r) =>
    process.exit(r.statusCode === 200 ? 0 : 1),
  )
  .on('error', () => process.exit(1));
