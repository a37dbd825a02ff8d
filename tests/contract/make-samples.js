#!/usr/bin/env node
// make-samples.js - (re)writes tests/contract/samples/ from Nova's api-samples:
// for each live-migration, server-migration, os-migrations, versions and
// flavor-read sample (flavors, flavor-extra-specs, flavor-access), the request that produces it (method, path, query, microversion,
// and for a request sample its exact body), the status, and the shape of the
// answer: the sample's keys and JSON types, with the nullability of
// docs/nova-api-contract.md where the sample shows a value Ferry may send as
// null.  tests/integration/t500-samples.sh checks Ferry's answers against
// these fixtures; they are committed, so the tests need no copy of Nova.
//
//   node tests/contract/make-samples.js DIR_OF_NOVA_API_SAMPLES
//
// Shapes: an object maps keys to shapes ("key?" when only some of the
// sample's items have it); an array is [item shape], merged over the
// sample's items; a leaf is a type name, "string|null" when it may be null.
'use strict';

const fs = require('fs');
const path = require('path');

// Contract 3.3 and 3.7: fields that are "string or null" / "integer or null".
const NULLABLE = {
    'os-migrations': ['dest_compute', 'dest_host', 'dest_node', 'source_compute', 'source_node',
                      'new_instance_type_id', 'old_instance_type_id', 'updated_at', 'user_id',
                      'project_id'],
    'server-migrations': ['dest_compute', 'dest_host', 'dest_node', 'source_compute',
                          'source_node', 'memory_total_bytes', 'memory_processed_bytes',
                          'memory_remaining_bytes', 'disk_total_bytes', 'disk_processed_bytes',
                          'disk_remaining_bytes', 'user_id', 'project_id'],
    'flavors': ['description'],
};

const LIVE = { dataset: 'live-migrate', method: 'POST', path: '/v2.1/servers/{server_id}/action',
               status: 202 };
const SM_SHOW = { dataset: 'server-migrations', method: 'GET', status: 200,
                  path: '/v2.1/servers/{server_id}/migrations/{migration_id}' };
const SM_INDEX = { dataset: 'server-migrations', method: 'GET', status: 200,
                   path: '/v2.1/servers/{server_id}/migrations' };
const OSM = { dataset: 'os-migrations', method: 'GET', status: 200, path: '/v2.1/os-migrations' };
// Nova's functional tests' flavors: 1-5 (m1.*), 6 (specs), 7 (a description and
// two specs), 10 (private, shared with the sample's project); the samples show
// flavor 1 below 2.55 and 7 from 2.55.  Nova's extra-specs test first gives
// flavor 1 the specs flavor 7 has; here 7 is asked.
const FL = { dataset: 'flavors', method: 'GET', status: 200 };
const FL_LIST = { ...FL, path: '/v2.1/flavors' };
const FL_DETAIL = { ...FL, path: '/v2.1/flavors/detail' };

// Nova's functional tests (nova/tests/functional/api_sample_tests) make these
// requests; the query values are the dataset's (t500-samples.sh).
const SAMPLES = {
    'os-migrate-server/live-migrate-server.json': { ...LIVE, microversion: '' },
    'os-migrate-server/v2.25/live-migrate-server.json': { ...LIVE, microversion: '2.25' },
    'os-migrate-server/v2.30/live-migrate-server.json': { ...LIVE, microversion: '2.30' },
    'os-migrate-server/v2.68/live-migrate-server.json': { ...LIVE, microversion: '2.68' },
    'server-migrations/v2.22/live-migrate-server.json': { ...LIVE, microversion: '2.22' },
    'server-migrations/v2.24/live-migrate-server.json': { ...LIVE, microversion: '2.24' },
    'server-migrations/v2.65/live-migrate-server.json': { ...LIVE, microversion: '2.65' },
    'server-migrations/v2.80/live-migrate-server.json': { ...LIVE, microversion: '2.80' },
    'server-migrations/v2.22/force_complete.json': {
        dataset: 'force-complete', method: 'POST', status: 202, microversion: '2.22',
        path: '/v2.1/servers/{server_id}/migrations/{migration_id}/action' },
    'server-migrations/v2.23/migrations-get.json': { ...SM_SHOW, microversion: '2.23' },
    'server-migrations/v2.59/migrations-get.json': { ...SM_SHOW, microversion: '2.59' },
    'server-migrations/v2.80/migrations-get.json': { ...SM_SHOW, microversion: '2.80' },
    'server-migrations/v2.23/migrations-index.json': { ...SM_INDEX, microversion: '2.23' },
    'server-migrations/v2.59/migrations-index.json': { ...SM_INDEX, microversion: '2.59' },
    'server-migrations/v2.80/migrations-index.json': { ...SM_INDEX, microversion: '2.80' },
    'os-migrations/migrations-get.json': { ...OSM, microversion: '' },
    'os-migrations/v2.23/migrations-get.json': { ...OSM, microversion: '2.23' },
    'os-migrations/v2.59/migrations-get.json': { ...OSM, microversion: '2.59' },
    'os-migrations/v2.59/migrations-get-with-limit.json': { ...OSM, microversion: '2.59',
                                                           query: 'limit=1' },
    'os-migrations/v2.59/migrations-get-with-marker.json': { ...OSM, microversion: '2.59',
                                                            query: 'marker={marker}' },
    'os-migrations/v2.59/migrations-get-with-changes-since.json': {
        ...OSM, microversion: '2.59', query: 'changes-since={changes_since}' },
    'os-migrations/v2.66/migrations-get.json': { ...OSM, microversion: '2.66' },
    'os-migrations/v2.66/migrations-get-with-limit.json': { ...OSM, microversion: '2.66',
                                                           query: 'limit=1' },
    'os-migrations/v2.66/migrations-get-with-marker.json': { ...OSM, microversion: '2.66',
                                                            query: 'marker={marker}' },
    'os-migrations/v2.66/migrations-get-with-changes-since.json': {
        ...OSM, microversion: '2.66', query: 'changes-since={changes_since}' },
    'os-migrations/v2.66/migrations-get-with-changes-before.json': {
        ...OSM, microversion: '2.66', query: 'changes-before={changes_before}' },
    'os-migrations/v2.80/migrations-get.json': { ...OSM, microversion: '2.80' },
    'os-migrations/v2.80/migrations-get-with-limit.json': { ...OSM, microversion: '2.80',
                                                           query: 'limit=1' },
    'os-migrations/v2.80/migrations-get-with-marker.json': { ...OSM, microversion: '2.80',
                                                            query: 'marker={marker}' },
    'os-migrations/v2.80/migrations-get-with-changes-since.json': {
        ...OSM, microversion: '2.80', query: 'changes-since={changes_since}' },
    'os-migrations/v2.80/migrations-get-with-changes-before.json': {
        ...OSM, microversion: '2.80', query: 'changes-before={changes_before}' },
    'os-migrations/v2.80/migrations-get-with-user-or-project-id.json': {
        ...OSM, microversion: '2.80', query: 'user_id={user_id}&project_id={project_id}' },
    'flavors/flavors-list-resp.json': { ...FL_LIST, microversion: '' },
    'flavors/v2.55/flavors-list-resp.json': { ...FL_LIST, microversion: '2.55' },
    'flavors/v2.61/flavors-list-resp.json': { ...FL_LIST, microversion: '2.61' },
    'flavors/v2.75/flavors-list-resp.json': { ...FL_LIST, microversion: '2.75' },
    'flavors/flavors-detail-resp.json': { ...FL_DETAIL, microversion: '' },
    'flavors/v2.55/flavors-detail-resp.json': { ...FL_DETAIL, microversion: '2.55' },
    'flavors/v2.61/flavors-detail-resp.json': { ...FL_DETAIL, microversion: '2.61' },
    'flavors/v2.75/flavors-detail-resp.json': { ...FL_DETAIL, microversion: '2.75' },
    'flavors/flavor-get-resp.json': { ...FL, path: '/v2.1/flavors/1', microversion: '' },
    'flavors/v2.55/flavor-get-resp.json': { ...FL, path: '/v2.1/flavors/7', microversion: '2.55' },
    'flavors/v2.61/flavor-get-resp.json': { ...FL, path: '/v2.1/flavors/7', microversion: '2.61' },
    'flavors/v2.75/flavor-get-resp.json': { ...FL, path: '/v2.1/flavors/7', microversion: '2.75' },
    'flavor-extra-specs/flavor-extra-specs-list-resp.json': {
        ...FL, path: '/v2.1/flavors/7/os-extra_specs', microversion: '' },
    'flavor-extra-specs/flavor-extra-specs-get-resp.json': {
        ...FL, path: '/v2.1/flavors/7/os-extra_specs/hw:numa_nodes', microversion: '' },
    'flavor-access/flavor-access-list-resp.json': {
        ...FL, path: '/v2.1/flavors/10/os-flavor-access', microversion: '' },
    'versions/versions-get-resp.json': { dataset: 'versions', method: 'GET', path: '/',
                                         status: 200, microversion: '' },
    'versions/v21-version-get-resp.json': { dataset: 'versions', method: 'GET', path: '/v2.1/',
                                            status: 200, microversion: '' },
    'versions/v2-version-get-resp.json': { dataset: 'versions', method: 'GET', path: '/v2/',
                                           status: 200, microversion: '' },
};

function typeOf(v) {
    if (v === null)
        return 'null';
    if (Array.isArray(v))
        return 'array';
    if (typeof v === 'number')
        return Number.isInteger(v) ? 'integer' : 'number';
    return typeof v;
}

function leafUnion(a, b) {
    const set = new Set([...a.split('|'), ...b.split('|')]);
    return [...set].sort((x, y) => (x === 'null') - (y === 'null') || x.localeCompare(y)).join('|');
}

function shapeOf(v, nullable) {
    if (Array.isArray(v)) {
        let item;
        for (const e of v)
            item = item === undefined ? shapeOf(e, nullable) : merge(item, shapeOf(e, nullable));
        return item === undefined ? [] : [item];
    }
    if (v !== null && typeof v === 'object') {
        const out = {};
        for (const [k, x] of Object.entries(v)) {
            let s = shapeOf(x, nullable);
            if (typeof s === 'string' && nullable.includes(k))
                s = leafUnion(s, 'null');
            out[k] = s;
        }
        return out;
    }
    return typeOf(v);
}

// Two item shapes into one: keys of only one become optional ("key?").
function merge(a, b) {
    if (typeof a === 'string' && typeof b === 'string')
        return leafUnion(a, b);
    if (Array.isArray(a) && Array.isArray(b)) {
        if (!a.length || !b.length)
            return a.length ? a : b;
        return [merge(a[0], b[0])];
    }
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a)) {
        const bare = (k) => k.replace(/\?$/, '');
        const ka = new Map(Object.keys(a).map((k) => [bare(k), k]));
        const kb = new Map(Object.keys(b).map((k) => [bare(k), k]));
        const out = {};
        for (const k of new Set([...ka.keys(), ...kb.keys()])) {
            const inA = ka.has(k), inB = kb.has(k);
            const opt = !inA || !inB || ka.get(k).endsWith('?') || kb.get(k).endsWith('?');
            const s = inA && inB ? merge(a[ka.get(k)], b[kb.get(k)]) : inA ? a[ka.get(k)] : b[kb.get(k)];
            out[opt ? `${k}?` : k] = s;
        }
        return out;
    }
    throw new Error(`cannot merge ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
}

function main() {
    const src = process.argv[2];
    if (!src) {
        console.error('usage: make-samples.js DIR_OF_NOVA_API_SAMPLES');
        process.exit(2);
    }
    const out = path.join(__dirname, 'samples');
    for (const [rel, spec] of Object.entries(SAMPLES)) {
        const text = fs.readFileSync(path.join(src, rel), 'utf8');
        const sample = JSON.parse(text);
        const isRequest = spec.status === 202;
        const family = rel.split('/')[0];
        const fixture = {
            sample: rel,
            derived: 'from Nova\'s api-sample by tests/contract/make-samples.js; do not edit',
            dataset: spec.dataset,
            request: {
                method: spec.method,
                path: spec.path,
                query: spec.query || '',
                microversion: spec.microversion,
                body: isRequest ? sample : null,
            },
            status: spec.status,
            response: isRequest ? null : shapeOf(sample, NULLABLE[family] || []),
        };
        const file = path.join(out, rel);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, JSON.stringify(fixture, null, 2) + '\n');
    }
    console.log(`make-samples: ${Object.keys(SAMPLES).length} fixtures in ${out}`);
}

main();
