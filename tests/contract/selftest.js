// selftest.js - answers with what the validator must say about them: "pass",
// or a piece of the problem it must report.  `check.sh --prepare` runs them
// after validating openapi.yaml, so that a schema loosened by mistake (or a
// validator that stopped looking) shows at once.  Bodies are objects here,
// strings in the log.
'use strict';

const U = '12341d4b-346a-40d0-83c6-5f4f6892b650';
const TS = '2016-01-29T13:42:02.000000';

function ans(method, path, mv, status, body, extra = {}) {
    return {
        test: 'selftest', method, path, query: '', mv,
        version: mv ? `compute ${mv}` : '', status,
        content_type: extra.content_type || 'application/json',
        body: body === '' || typeof body === 'string' ? body : JSON.stringify(body),
        request_body: extra.request_body ? JSON.stringify(extra.request_body) : '',
    };
}

function migration(more = {}) {
    return {
        id: 1, source_compute: 'h1', dest_compute: 'h2', source_node: 'h1.node',
        dest_node: 'h2.node', dest_host: null, old_instance_type_id: 1, new_instance_type_id: 1,
        instance_uuid: U, status: 'running', created_at: TS, updated_at: null, ...more,
    };
}

function serverMigration(more = {}) {
    return {
        created_at: TS, dest_compute: 'h2', dest_host: '1.2.3.4', dest_node: 'h2.node',
        disk_processed_bytes: null, disk_remaining_bytes: null, disk_total_bytes: null, id: 7,
        memory_processed_bytes: 0, memory_remaining_bytes: 10, memory_total_bytes: 10,
        server_uuid: U, source_compute: 'h1', source_node: 'h1.node', status: 'running',
        updated_at: TS, ...more,
    };
}

function server(more = {}) {
    return {
        id: U, name: 'vm', status: 'MIGRATING', tenant_id: 'p', user_id: 'u', metadata: {},
        hostId: 'abc', image: '', flavor: { id: 't.256', links: [{ rel: 'bookmark', href: 'http://x/flavors/t.256' }] },
        created: '2016-01-29T13:42:02Z', updated: '2016-01-29T13:42:02Z', addresses: {},
        accessIPv4: '', accessIPv6: '', links, 'OS-DCF:diskConfig': 'MANUAL', progress: 0,
        'OS-EXT-AZ:availability_zone': 'nova', config_drive: '', key_name: null,
        'OS-SRV-USG:launched_at': TS, 'OS-SRV-USG:terminated_at': null,
        'OS-EXT-SRV-ATTR:host': 'h1', 'OS-EXT-SRV-ATTR:instance_name': 'vm',
        'OS-EXT-SRV-ATTR:hypervisor_hostname': 'h1.node', 'OS-EXT-STS:task_state': 'migrating',
        'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:power_state': 1,
        'os-extended-volumes:volumes_attached': [], security_groups: [{ name: 'default' }],
        ...more,
    };
}

const fault = (name, code) => ({ [name]: { code, message: 'm' } });
const links = [{ rel: 'self', href: `http://x/v2.1/servers/${U}/migrations/1` },
               { rel: 'bookmark', href: `http://x/servers/${U}/migrations/1` }];

module.exports = [
    // answers that conform
    { expect: 'pass', note: '2.1 os-migrations item',
      ...ans('GET', '/v2.1/os-migrations', '', 200, { migrations: [migration()] }) },
    { expect: 'pass', note: '2.80 os-migrations item with links and a next link',
      ...ans('GET', '/v2.1/os-migrations', '2.80', 200, {
          migrations: [migration({ uuid: U, migration_type: 'live-migration', user_id: 'admin',
                                   project_id: null, links })],
          migrations_links: [{ rel: 'next', href: 'http://x/v2.1/os-migrations?marker=a' }] }) },
    { expect: 'pass', note: 'the project id in the URL',
      ...ans('GET', `/v2.1/6f70656e/servers/${U}/migrations`, '2.23', 200,
             { migrations: [serverMigration()] }) },
    { expect: 'pass', note: 'the legacy v2 tree, at 2.1',
      ...ans('GET', `/v2/servers/${U}/os-instance-actions`, '', 200, { instanceActions: [] }) },
    { expect: 'pass', note: 'a 202 without a body, to a body openapi.yaml takes',
      ...ans('POST', `/v2.1/servers/${U}/action`, '2.30', 202, '',
             { request_body: { 'os-migrateLive': { host: null, block_migration: 'auto',
                                                   force: false } } }) },
    { expect: 'pass', note: "the router's bare 404",
      ...ans('DELETE', '/v2.1/servers', '', 404, '404 Not Found\n\nThe resource could not be found.\n\n   ',
             { content_type: 'text/plain; charset=UTF-8' }) },
    { expect: 'pass', note: 'the 300 choices at the root',
      ...ans('GET', '/v2.5/servers', '', 300, { choices: [{
          id: 'v2.1', status: 'CURRENT', links: [{ href: 'http://x/v2.1/v2.5/servers', rel: 'self' }],
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }] }] }) },
    { expect: 'pass', note: 'a 406 is a computeFault',
      ...ans('GET', '/v2.1/servers', '2.0', 406, fault('computeFault', 406)) },

    { expect: 'pass', note: 'a 2.1 server, as admins see it',
      ...ans('GET', `/v2.1/servers/${U}`, '', 200, { server: server() }) },

    // answers that do not
    { expect: 'exists only from microversion 2.9, not at 2.8', note: 'locked before 2.9',
      ...ans('GET', `/v2.1/servers/${U}`, '2.8', 200, { server: server({ locked: false }) }) },
    { expect: 'must match exactly one schema in oneOf', note: 'a 2.47 server with the old flavor',
      ...ans('GET', '/v2.1/servers/detail', '2.47', 200, { servers: [server({ locked: false,
          description: null, tags: [] })] }) },
    { expect: "has 'memory_total_bytes', which the schema does not allow",
      note: 'a key os-migrations never has',
      ...ans('GET', '/v2.1/os-migrations', '', 200,
             { migrations: [migration({ memory_total_bytes: 1 })] }) },
    { expect: "must have required property 'updated_at'", note: 'a required key missing',
      ...ans('GET', '/v2.1/os-migrations', '', 200,
             { migrations: [migration({ updated_at: undefined })] }) },
    { expect: 'exists only from microversion 2.59, not at 2.23', note: 'uuid before 2.59',
      ...ans('GET', '/v2.1/os-migrations', '2.23', 200,
             { migrations: [migration({ uuid: U, migration_type: 'live-migration' })] }) },
    { expect: 'exists only from microversion 2.80, not at 2.79', note: 'user_id before 2.80',
      ...ans('GET', `/v2.1/servers/${U}/migrations/7`, '2.79', 200,
             { migration: serverMigration({ uuid: U, user_id: 'admin' }) }) },
    { expect: 'must match pattern', note: 'a created_at without microseconds',
      ...ans('GET', `/v2.1/servers/${U}/migrations`, '2.23', 200,
             { migrations: [serverMigration({ created_at: '2016-01-29T13:42:02Z' })] }) },
    { expect: 'must be integer', note: 'a counter as a string',
      ...ans('GET', `/v2.1/servers/${U}/migrations`, '2.23', 200,
             { migrations: [serverMigration({ memory_total_bytes: '10' })] }) },
    { expect: "must have required property 'computeFault'", note: 'a 406 that is no computeFault',
      ...ans('GET', '/v2.1/servers', '2.0', 406, fault('badRequest', 406)) },
    { expect: 'must be one of [404]', note: 'a fault whose code is not its status',
      ...ans('GET', `/v2.1/servers/${U}`, '', 404, fault('itemNotFound', 400)) },
    { expect: 'status 405 is not a response of listServers', note: 'an undocumented status',
      ...ans('GET', '/v2.1/servers', '', 405, fault('badMethod', 405)) },
    { expect: "no operation of openapi.yaml serves GET /v2.1/os-hosts",
      note: 'an unknown path answered',
      ...ans('GET', '/v2.1/os-hosts', '', 200, { hosts: [] }) },
    { expect: 'has no body', note: 'a 202 with a body',
      ...ans('DELETE', `/v2.1/servers/${U}/migrations/7`, '2.24', 202, {}) },
    { expect: "Content-Type 'text/html' is not application/json", note: 'a wrong media type',
      ...ans('GET', '/v2.1/servers', '', 200, '<html/>', { content_type: 'text/html' }) },
    { expect: 'request body accepted with 202, but openapi.yaml refuses it',
      note: 'force accepted at 2.68',
      ...ans('POST', `/v2.1/servers/${U}/action`, '2.68', 202, '',
             { request_body: { 'os-migrateLive': { host: 'h2', block_migration: 'auto',
                                                   force: true } } }) },
    { expect: 'must match exactly one schema in oneOf', note: 'hypervisor resource fields at 2.88',
      ...ans('GET', `/v2.1/os-hypervisors/${U}`, '2.88', 200, { hypervisor: {
          id: U, hypervisor_hostname: 'h', state: 'up', status: 'enabled', hypervisor_type: 'QEMU',
          hypervisor_version: 1, host_ip: null, uptime: null, vcpus: 4,
          service: { id: U, host: 'h', disabled_reason: null } } }) },
    { expect: 'exists only from microversion 2.53, not at 2.52', note: 'a uuid service id at 2.52',
      ...ans('GET', '/v2.1/os-services', '2.52', 200, { services: [{
          binary: 'nova-compute', host: 'h', id: U, zone: 'nova', status: 'enabled',
          state: 'up', updated_at: null, disabled_reason: null, forced_down: false }] }) },
    { expect: 'a GET outside /v2.1 and /v2 answers 300, not 200', note: 'the root fallback',
      ...ans('GET', '/v3/servers', '', 200, {}) },
];
