#!/usr/bin/env node
// shape.js - does an answer have the keys and JSON types of a Nova sample?
//
//   node shape.js FIXTURE BODY_FILE [FIXTURE BODY_FILE...]
//
// FIXTURE is one of tests/contract/samples/ (see make-samples.js).  A
// fixture without a response shape (a request sample) wants an empty body.
// Otherwise, recursively:
//   - an object has every key of the shape except the optional ("key?") ones,
//     and no other key;
//   - an array is not empty when the sample's is not, each item has the item
//     shape, and each optional key of the item shape is on at least one item
//     (the sample's variants, e.g. links on in-progress migrations only, all
//     show up);
//   - a leaf has one of the shape's types ("string|null").
// Prints every difference, exits 1 if there is one; prints nothing on success.
// Several pairs in one run, as node takes a while to start.
'use strict';

const fs = require('fs');

function typeOf(v) {
    if (v === null)
        return 'null';
    if (Array.isArray(v))
        return 'array';
    if (typeof v === 'number')
        return Number.isInteger(v) ? 'integer' : 'number';
    return typeof v;
}

function leafOk(types, v) {
    const t = typeOf(v);
    return types.split('|').some((x) => x === t || (x === 'number' && t === 'integer'));
}

function check(shape, v, where, errs) {
    if (typeof shape === 'string') {
        if (!leafOk(shape, v))
            errs.push(`${where} is ${typeOf(v)} ${JSON.stringify(v)}, the sample has ${shape}`);
        return;
    }
    if (Array.isArray(shape)) {
        if (!Array.isArray(v)) {
            errs.push(`${where} is ${typeOf(v)}, the sample has an array`);
            return;
        }
        if (shape.length === 0)
            return;
        if (v.length === 0) {
            errs.push(`${where} is empty, the sample's is not (the test's data should give items)`);
            return;
        }
        v.forEach((item, i) => check(shape[0], item, `${where}[${i}]`, errs));
        if (shape[0] && typeof shape[0] === 'object' && !Array.isArray(shape[0]))
            for (const k of Object.keys(shape[0]).filter((key) => key.endsWith('?'))) {
                const name = k.slice(0, -1);
                if (!v.some((item) => item && typeof item === 'object' && name in item))
                    errs.push(`${where}[]: no item has '${name}', which some of the sample's items have`);
            }
        return;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        errs.push(`${where} is ${typeOf(v)}, the sample has an object`);
        return;
    }
    const keys = new Map(Object.keys(shape).map((k) => [k.replace(/\?$/, ''), k]));
    for (const [name, k] of keys) {
        if (name in v)
            check(shape[k], v[name], `${where}.${name}`, errs);
        else if (!k.endsWith('?'))
            errs.push(`${where} has no '${name}'`);
    }
    for (const name of Object.keys(v))
        if (!keys.has(name))
            errs.push(`${where} has '${name}', which the sample does not`);
}

// -> the differences of the answer in bodyFile from fixtureFile's shape
function compare(fixtureFile, bodyFile) {
    const fixture = JSON.parse(fs.readFileSync(fixtureFile, 'utf8'));
    const text = fs.readFileSync(bodyFile, 'utf8');
    const errs = [];
    if (fixture.response === null) {
        if (text !== '')
            errs.push(`the answer has a body, the sample's has none: ${text.slice(0, 200)}`);
        return errs;
    }
    let body;
    try {
        body = JSON.parse(text);
    } catch (e) {
        return [`the answer is not JSON: ${e.message}`];
    }
    check(fixture.response, body, 'answer', errs);
    return errs;
}

function main() {
    const args = process.argv.slice(2);
    if (args.length === 0 || args.length % 2) {
        console.error('usage: shape.js FIXTURE BODY_FILE [FIXTURE BODY_FILE...]');
        process.exit(2);
    }
    let bad = 0;
    for (let i = 0; i < args.length; i += 2) {
        const errs = compare(args[i], args[i + 1]);
        if (!errs.length)
            continue;
        bad++;
        const sample = JSON.parse(fs.readFileSync(args[i], 'utf8')).sample || args[i];
        console.log(`${sample}: not the sample's shape:`);
        for (const e of errs)
            console.log(`  ${e}`);
    }
    process.exit(bad ? 1 : 0);
}

main();
