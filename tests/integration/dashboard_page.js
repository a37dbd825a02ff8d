// dashboard_page.js - the dashboard page itself, DOM and all, in jsdom
// (tests/contract's node_modules) against a real ferry-api, for t173:
//   node dashboard_page.js PAGE API TOKEN MIGRATION_ID [abort]
// Loads the page as a browser would, its fetch sent to API, types the token
// in, waits (up to 20 s) for both tables to fill, and prints what they show:
// {"hosts": [[cells...]], "migrations": [[cells...]], "buttons": {id: [...]},
// "max_in_flight": the most requests it had under way at once}.
// With "abort", clicks MIGRATION_ID's abort button (confirm answered yes)
// and waits for the API's answer to it ("deletes": "DELETE path status").
'use strict';
const fs = require('fs');
const path = require('path');
const { JSDOM } = require(path.join(__dirname, '../contract/node_modules/jsdom'));

const [page, api, token, mid, action] = process.argv.slice(2);
const answered = [];                    // "METHOD path status" of each answer the page got
let inFlight = 0, maxInFlight = 0;      // its requests at once
const dom = new JSDOM(fs.readFileSync(page, 'utf8'), {
    runScripts: 'dangerously',
    url: api + '/ferry/v1/dashboard',
    beforeParse(window) {
        // the browser's fetch, to the real API (relative paths as the page sends them)
        window.fetch = async (p, opts) => {
            maxInFlight = Math.max(maxInFlight, ++inFlight);
            try {
                const r = await fetch(new URL(p, api), opts);
                answered.push(`${(opts && opts.method) || 'GET'} ${p} ${r.status}`);
                return r;
            } finally {
                inFlight--;
            }
        };
        window.confirm = () => true;
        window.alert = (m) => { throw new Error('alert: ' + m); };
        window.sessionStorage.setItem('ferry-token', token);
    },
});
const doc = dom.window.document;
const rows = (id) => [...doc.getElementById(id).rows].map((r) => [...r.cells].map((c) => c.textContent));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, cond) {
    for (let i = 0; i < 200; i++) {
        if (cond())
            return;
        await sleep(100);
    }
    throw new Error('timed out: ' + what + ' (status: ' +
                    doc.getElementById('status').textContent + ')');
}

(async () => {
    const mine = () => rows('migrations').find((r) => r[0] === mid);
    await until('both tables', () => rows('hosts').length > 0 && mine());
    if (action === 'abort') {
        const tr = [...doc.getElementById('migrations').rows].find((r) => r.cells[0].textContent === mid);
        const b = [...tr.querySelectorAll('button')].find((x) => x.textContent === 'abort');
        if (!b)
            throw new Error('no abort button');
        b.click();
        await until('the abort answered', () => answered.some((a) => a.startsWith('DELETE ')));
    }
    const buttons = {};
    for (const tr of doc.getElementById('migrations').rows)
        buttons[tr.cells[0].textContent] = [...tr.querySelectorAll('button')].map((b) => b.textContent);
    process.stdout.write(JSON.stringify({ hosts: rows('hosts'), migrations: rows('migrations'),
                                          status: doc.getElementById('status').textContent,
                                          buttons, max_in_flight: maxInFlight,
                                          deletes: answered.filter((a) => a.startsWith('DELETE ')) })
                         + '\n');
    dom.window.close();
    process.exit(0);
})().catch((e) => { process.stderr.write(String(e) + '\n'); process.exit(1); });
