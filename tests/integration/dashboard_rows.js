// dashboard_rows.js - the dashboard's own functions (api/dashboard.html's
// script, run in a sandbox with no DOM: that it loads at all is the first
// check) on the API's real answers, for t173:
//   node dashboard_rows.js PAGE OS_MIGRATIONS FERRY_RECORD SERVER_MIGRATION \
//        OS_SERVICES DRAIN_OR_EMPTY MIGRATION_ID HOST NOW_OFFSET_MS
// prints {"migration": row, "host": row}; NOW is the migration's start plus
// NOW_OFFSET_MS, so that the ETA shown is exact.
'use strict';
const fs = require('fs');
const vm = require('vm');

const [page, osm, rec, srv, svcs, drain, mid, host, offset] = process.argv.slice(2);
const script = /<script>([\s\S]*)<\/script>/.exec(fs.readFileSync(page, 'utf8'));
if (!script)
    throw new Error(`${page}: no <script>`);
const sandbox = { module: { exports: {} } };
vm.runInNewContext(script[1], sandbox, { filename: page });
const d = sandbox.module.exports;
const read = (f) => (fs.statSync(f).size ? JSON.parse(fs.readFileSync(f, 'utf8')) : null);

const m = read(osm).migrations.find((x) => x.id === Number(mid));
if (!m)
    throw new Error(`migration ${mid} not in os-migrations`);
const f = read(rec).migration;
const now = Date.parse(f.started_at + 'Z') + Number(offset);
const s = read(svcs).services.find((x) => x.host === host);
const dr = read(drain);
process.stdout.write(JSON.stringify({
    migration: d.migrationRow(m, f, read(srv).migration, now),
    host: d.hostRow(s, dr ? dr.drain : null),
}) + '\n');
