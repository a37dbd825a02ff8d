// spec.js - openapi.yaml loaded by openapi-backend: the document validated
// against the OpenAPI 3.0 schema, $refs resolved, one Ajv validator per
// operation and status; plus what the spec says outside `paths`
// (x-ferry-routing) and its microversion keywords:
//
//   x-since: "2.NN"   the value may only appear in answers at 2.NN or later
//   x-until: "2.NN"   ... at 2.NN or earlier
//
// Both are checked against the microversion of the answer being validated
// (setMicroversion), so a field that leaks into an older microversion fails.
'use strict';

const path = require('path');
const { OpenAPIBackend } = require('openapi-backend');
const { ValidationContext } = require('openapi-backend');
const addFormats = require('ajv-formats');

let current = { mv: [2, 1], text: '2.1' };

function parseMv(text) {
    const m = /^([1-9][0-9]*)\.([0-9]+)$/.exec(String(text || '').trim());
    return m ? [Number(m[1]), Number(m[2])] : null;
}

function cmpMv(a, b) {
    return a[0] - b[0] || a[1] - b[1];
}

function setMicroversion(text) {
    const mv = parseMv(text);
    current = mv ? { mv, text } : { mv: [2, 1], text: '2.1' };
}

function mvKeyword(name, ok, words) {
    return {
        keyword: name,
        schemaType: 'string',
        errors: true,
        validate: function check(bound, _data) {
            const b = parseMv(bound);
            if (!b)
                throw new Error(`${name}: "${bound}" is not a microversion`);
            if (ok(cmpMv(current.mv, b)))
                return true;
            check.errors = [{
                keyword: name,
                params: { [name]: bound },
                message: `exists only ${words} microversion ${bound}, not at ${current.text}`,
            }];
            return false;
        },
    };
}

function customizeAjv(ajv) {
    addFormats(ajv, ['uuid', 'uri']);
    ajv.addKeyword(mvKeyword('x-since', (c) => c >= 0, 'from'));
    ajv.addKeyword(mvKeyword('x-until', (c) => c <= 0, 'up to'));
    return ajv;
}

// -> { api, definition, operations } or throws with the document's errors
async function loadSpec(file) {
    const api = new OpenAPIBackend({
        definition: path.resolve(file),
        strict: true,             // a document that does not load throws
        quick: true,              // validators compiled when first used ...
        validate: true,
        ignoreTrailingSlashes: false,   // /v2.1 and /v2.1/ are two operations
        ajvOpts: { allErrors: true },   // every problem of an answer, not the first
        customizeAjv,
    });
    await api.init();
    await api.loadDocument();
    api.validateDefinition();     // ... and the document checked here: throws
    const operations = api.router.getOperations();
    for (const op of operations)
        if (!op.operationId)
            throw new Error(`${op.method.toUpperCase()} ${op.path} has no operationId`);
    return { api, definition: api.definition, operations };
}

// Compile every response validator (Ajv refuses a schema it cannot compile).
function compileAll(spec) {
    for (const op of spec.operations)
        spec.api.validator.getStatusBasedResponseValidatorForOperation(op.operationId);
}

// An Ajv validator for any schema of the document (with the same keywords).
function compileSchema(api, schema) {
    return api.validator.getAjv(ValidationContext.Response).compile(schema);
}

module.exports = { loadSpec, compileAll, compileSchema, setMicroversion, parseMv, cmpMv };
