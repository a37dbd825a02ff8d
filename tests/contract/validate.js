#!/usr/bin/env node
// validate.js - the contract check: every answer the shell tests saw, as
// their `api` helper logged it (one JSON line per answer, $FERRY_CONTRACT_LOG),
// validated against openapi.yaml by openapi-backend (Ajv underneath).
//
//   node validate.js [--spec FILE] --spec-only        the document itself, and the
//                                                     validator on selftest.js's answers
//   node validate.js [--spec FILE] LOG...             the document, then every answer
//
// An answer fails when
//   - its path and method are no operation of openapi.yaml (after the rules of
//     x-ferry-routing: /v2.1/{project_id}/..., the legacy /v2 tree, the 300
//     choices at the root), unless it is the router's bare 404;
//   - its status is not one of the operation's responses;
//   - its Content-Type is not the response's media type, or a response
//     without content has a body;
//   - its body does not match the response schema for that status (with
//     x-since / x-until checked against the answer's microversion);
//   - it is a 2xx to a request body that the operation's requestBody refuses.
// Quiet on success (one PASS line), every failing answer on failure.
'use strict';

const fs = require('fs');
const path = require('path');
const { loadSpec, compileAll, compileSchema, setMicroversion } = require('./lib/spec');

const MAX_SHOWN = 40;

function usage() {
    console.error('usage: validate.js [--spec openapi.yaml] (--spec-only | LOG...)');
    process.exit(2);
}

function baseType(ct) {
    return String(ct || '').split(';')[0].trim().toLowerCase();
}

function fmtErrors(errors) {
    return (errors || []).map((e) => {
        const where = e.instancePath || '(body)';
        let what = e.message;
        if (e.keyword === 'additionalProperties')
            what = `has '${e.params.additionalProperty}', which the schema does not allow`;
        else if (e.keyword === 'enum')
            what = `must be one of ${JSON.stringify(e.params.allowedValues)}`;
        return `${where} ${what}`;
    });
}

// How api/router.c finds an answer's route, in the words of x-ferry-routing.
function makeResolver(spec) {
    const routing = spec.definition['x-ferry-routing'] || {};
    const proj = routing['project-id-segment'] || {};
    const legacy = routing['legacy-v2'] || {};
    const projPrefix = proj.prefix || '/v2.1';
    const projRe = new RegExp(proj.pattern || '^[0-9a-f-]+$');
    const legacyPrefix = legacy.prefix || '/v2';
    const legacyDoc = legacy['version-document'] || '/v2.1';
    const legacyRoutes = legacy.routes || '/v2.1';
    const ferryPrefix = (routing['ferry-routes'] || {}).prefix || '/ferry/v1';
    const ferryPaths = (routing['ferry-routes'] || {}).paths || [];
    const router = spec.api.router;

    const match = (method, p) => router.matchOperation({ method, path: p, headers: {} });

    function inTree(method, p, via) {
        let op = match(method, p);
        if (op)
            return { kind: 'operation', op, via };
        // /v2.1/{project_id}/rest: tried when the path as it is has no route
        const rest = p.slice(projPrefix.length);          // "/seg/..."
        const m = /^\/([^/]*)(\/.*)$/.exec(rest);
        if (m && projRe.test(m[1])) {
            op = match(method, projPrefix + m[2]);
            if (op)
                return { kind: 'operation', op, via: via ? `${via}, project id` : 'project id' };
        }
        return { kind: 'bare404' };
    }

    return function resolve(method, p) {
        if (p === '/')
            return method === 'GET' ? { kind: 'operation', op: match(method, p) }
                : { kind: 'bare404' };
        if (p === projPrefix)
            return method === 'GET' ? { kind: 'operation', op: match(method, p) }
                : { kind: 'bare404' };
        if (p.startsWith(projPrefix + '/'))
            return inTree(method, p, null);
        if (p === legacyPrefix || p === legacyPrefix + '/')
            return method === 'GET'
                ? { kind: 'operation', op: match(method, legacyDoc), via: 'legacy v2' }
                : { kind: 'bare404' };
        if (p.startsWith(legacyPrefix + '/'))
            return inTree(method, legacyRoutes + p.slice(legacyPrefix.length), 'legacy v2');
        if (p.startsWith(ferryPrefix + '/') || ferryPaths.includes(p)) {
            const op = match(method, p);
            return op ? { kind: 'operation', op, via: 'ferry' } : { kind: 'bare404' };
        }
        return method === 'GET' ? { kind: 'choices' } : { kind: 'bare404' };
    };
}

// Validators of what x-ferry-routing describes outside `paths`.
function routingValidators(spec) {
    const routing = spec.definition['x-ferry-routing'];
    const content = (name) => {
        const r = routing && routing[name] && routing[name].response;
        if (!r || !r.content)
            throw new Error(`openapi.yaml: x-ferry-routing.${name}.response has no content`);
        const out = {};
        for (const [type, media] of Object.entries(r.content))
            out[type] = compileSchema(spec.api, media.schema);
        return out;
    };
    return { choices: content('multiple-choices'), bare404: content('not-found') };
}

function checkAgainst(validators, ct, bodyText) {
    const type = baseType(ct);
    const v = validators[type];
    if (!v)
        return [`Content-Type '${ct}' is none of ${Object.keys(validators).join(', ')}`];
    let data = bodyText;
    if (type === 'application/json') {
        try {
            data = JSON.parse(bodyText);
        } catch (e) {
            return [`body is not JSON: ${e.message}`];
        }
    }
    return v(data) ? [] : fmtErrors(v.errors);
}

const requestValidators = new Map();

function checkOperation(spec, rec, op) {
    const status = String(rec.status);
    const res = op.responses && op.responses[status];
    if (!res)
        return [`status ${status} is not a response of ${op.operationId} ` +
                `(it has ${Object.keys(op.responses || {}).join(', ')})`];
    const problems = [];
    if (!res.content) {
        if (rec.body !== '')
            problems.push(`a ${status} of ${op.operationId} has no body, got ${JSON.stringify(rec.body.slice(0, 80))}`);
    } else {
        const type = baseType(rec.content_type);
        if (!res.content[type]) {
            problems.push(`Content-Type '${rec.content_type}' is not ${Object.keys(res.content).join(' or ')}`);
        } else if (type !== 'application/json') {
            // text (Prometheus' format): the body as a string against its schema
            const v = compileSchema(spec.api, res.content[type].schema || { type: 'string' });
            if (!v(rec.body))
                problems.push(...fmtErrors(v.errors));
        } else {
            let body;
            try {
                body = JSON.parse(rec.body);
            } catch (e) {
                return [`body is not JSON: ${e.message}`];
            }
            const r = spec.api.validator.validateResponse(body, op, Number(status));
            if (!r.valid)
                problems.push(...fmtErrors(r.errors));
        }
    }
    // a 2xx means Ferry took the request body: openapi.yaml must take it too
    const rb = op.requestBody && op.requestBody.content && op.requestBody.content['application/json'];
    if (rb && rb.schema && /^2/.test(status) && rec.request_body && rec.via !== 'legacy v2') {
        if (!requestValidators.has(op.operationId))
            requestValidators.set(op.operationId, compileSchema(spec.api, rb.schema));
        const v = requestValidators.get(op.operationId);
        let reqBody;
        try {
            reqBody = JSON.parse(rec.request_body);
        } catch (e) {
            reqBody = undefined;
        }
        if (reqBody === undefined || !v(reqBody))
            problems.push(...fmtErrors(v.errors).map((m) =>
                `request body accepted with ${status}, but openapi.yaml refuses it: ${m}`));
    }
    return problems;
}

function answerMv(rec) {
    const m = /compute\s+([0-9.]+)/i.exec(rec.version || '');
    return m ? m[1] : '2.1';
}

// -> check(rec) = { rule, problems: [...], opId }
function makeChecker(spec) {
    const resolve = makeResolver(spec);
    const outside = routingValidators(spec);
    return function check(rec) {
        rec.body = rec.body || '';
        setMicroversion(answerMv(rec));
        const route = resolve(String(rec.method).toUpperCase(), rec.path);
        if (route.kind === 'operation') {
            rec.via = route.via;
            return {
                opId: route.op.operationId,
                rule: `${route.op.operationId}${route.via ? ` via ${route.via}` : ''}, ` +
                      `microversion ${answerMv(rec)}`,
                problems: checkOperation(spec, rec, route.op),
            };
        }
        if (route.kind === 'choices')
            return {
                rule: 'x-ferry-routing multiple-choices',
                problems: Number(rec.status) === 300
                    ? checkAgainst(outside.choices, rec.content_type, rec.body)
                    : [`a GET outside /v2.1 and /v2 answers 300, not ${rec.status}`],
            };
        return {
            rule: 'x-ferry-routing not-found (no operation of openapi.yaml)',
            problems: Number(rec.status) === 404
                ? checkAgainst(outside.bare404, rec.content_type, rec.body)
                : [`no operation of openapi.yaml serves ${rec.method} ${rec.path}, ` +
                   `and the answer is not the router's bare 404`],
        };
    };
}

// selftest.js: answers with what the validator must say about them (proves
// that the document's schemas, and the validator, still refuse what they
// should).
let selfTestCount = 0;
function selfTest(check) {
    const bad = [];
    require('./selftest').forEach(({ expect, note, ...rec }, i) => {
        const r = check(rec);
        selfTestCount++;
        const said = r.problems.join('; ');
        if (expect === 'pass' ? r.problems.length > 0 : !said.includes(expect))
            bad.push(`case ${i + 1} (${note || describe(rec)}): expected ` +
                     `${expect === 'pass' ? 'no problem' : `"${expect}"`}, got ` +
                     `${said ? `"${said}"` : 'no problem'}`);
    });
    return bad;
}

function describe(rec) {
    const q = rec.query ? `?${rec.query}` : '';
    const mv = rec.mv ? ` (compute ${rec.mv})` : '';
    return `${rec.test || '?'}: ${rec.method} ${rec.path}${q}${mv} -> ${rec.status}`;
}

async function main() {
    const args = process.argv.slice(2);
    let specFile = path.resolve(__dirname, '../../openapi.yaml');
    let specOnly = false;
    const logs = [];
    for (let i = 0; i < args.length; i++) {
        if (args[i] === '--spec' && i + 1 < args.length)
            specFile = args[++i];
        else if (args[i] === '--spec-only')
            specOnly = true;
        else if (args[i].startsWith('-'))
            usage();
        else
            logs.push(args[i]);
    }
    if (!specOnly && logs.length === 0)
        usage();

    let spec;
    try {
        spec = await loadSpec(specFile);
        if (specOnly)
            compileAll(spec);
    } catch (e) {
        console.error(`FAIL contract: ${path.basename(specFile)} is not a valid OpenAPI document:`);
        const msg = String(e.message || e);
        const i = msg.indexOf('[');
        if (i >= 0) {
            try {
                for (const x of JSON.parse(msg.slice(i)))
                    console.error(`     ${x.instancePath || '/'} ${x.message} ${JSON.stringify(x.params)}`);
            } catch (_) {
                console.error(`     ${msg}`);
            }
        } else {
            console.error(`     ${msg}`);
        }
        process.exit(1);
    }
    const check = makeChecker(spec);
    if (specOnly) {
        const bad = selfTest(check);
        if (bad.length) {
            console.error('FAIL contract: the validator does not judge its self-test answers ' +
                          '(tests/contract/selftest.js) as expected:');
            for (const b of bad)
                console.error(`  ${b}`);
            process.exit(1);
        }
        console.log(`  PASS contract: ${path.basename(specFile)} is a valid OpenAPI ` +
                    `${spec.definition.openapi} document (${spec.operations.length} operations; ` +
                    `validator self-test ${selfTestCount} answers)`);
        return;
    }
    const failures = [];
    const seenOps = new Set();
    const tests = new Set();
    let n = 0;
    for (const log of logs) {
        if (!fs.existsSync(log))
            continue;           // no test asked anything (a subset of the e2e tests)
        const lines = fs.readFileSync(log, 'utf8').split('\n');
        lines.forEach((line, idx) => {
            if (!line.trim())
                return;
            let rec;
            try {
                rec = JSON.parse(line);
            } catch (e) {
                failures.push({ where: `${log}:${idx + 1}`, problems: [`not a JSON line: ${e.message}`] });
                return;
            }
            n++;
            tests.add(rec.test);
            const r = check(rec);
            if (r.opId)
                seenOps.add(r.opId);
            if (r.problems.length)
                failures.push({ where: describe(rec), rule: r.rule, problems: r.problems, body: rec.body });
        });
    }
    if (n === 0 && failures.length === 0) {
        console.log(`  SKIP contract: no answers logged in ${logs.join(', ')}`);
        return;
    }
    if (failures.length) {
        console.error(`FAIL contract: ${failures.length} of ${n} answers do not conform to openapi.yaml:`);
        for (const f of failures.slice(0, MAX_SHOWN)) {
            console.error(`  ${f.where}`);
            if (f.rule)
                console.error(`     rule: ${f.rule}`);
            for (const p of f.problems.slice(0, 8))
                console.error(`     - ${p}`);
            if (f.body)
                console.error(`     body: ${f.body.slice(0, 300)}`);
        }
        if (failures.length > MAX_SHOWN)
            console.error(`  ... and ${failures.length - MAX_SHOWN} more`);
        process.exit(1);
    }
    const unseen = spec.operations.map((op) => op.operationId).filter((id) => !seenOps.has(id));
    console.log(`  PASS contract: ${n} answers of ${tests.size} tests conform to openapi.yaml ` +
                `(${seenOps.size} of ${spec.operations.length} operations seen` +
                `${unseen.length && unseen.length <= 6 ? `; not ${unseen.join(', ')}` : ''})`);
}

main().catch((e) => {
    console.error(`FAIL contract: ${e.stack || e}`);
    process.exit(1);
});
