import { createHash } from 'node:crypto';

/**
 * The API reference as one self-contained page: it fetches the OpenAPI document from the same
 * server and renders every operation (parameters, request and response schemas) with DOM calls
 * only, so nothing in the document is ever interpreted as HTML, and nothing loads from a CDN.
 */
const STYLE = `
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#1d232a;color:#fff;padding:16px 32px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#c7ccd1;max-width:900px}
main{padding:16px 32px;max-width:1100px}h2{margin:28px 0 8px;text-transform:capitalize}
details{background:#fff;border:1px solid #dde1e6;border-radius:6px;margin:8px 0}summary{cursor:pointer;padding:10px 12px;display:flex;gap:12px;align-items:center}
.method{font:600 12px/1 ui-monospace,monospace;text-transform:uppercase;padding:5px 8px;border-radius:4px;color:#fff;min-width:52px;text-align:center}
.get{background:#1f7a4d}.post{background:#1f5fa8}.delete{background:#b3261e}.path{font-family:ui-monospace,monospace}.lock{color:#8a6d00;font-size:12px}
.body{padding:0 16px 12px}table{border-collapse:collapse;width:100%;margin:6px 0}td,th{border-top:1px solid #eceff2;padding:4px 8px;text-align:left;vertical-align:top;font-size:14px}
pre{background:#f1f3f5;padding:8px;border-radius:4px;overflow:auto;font-size:12px;max-height:360px}code{font-family:ui-monospace,monospace}
a{color:#1f5fa8}.muted{color:#5f6b76}`;

const SCRIPT = `
(async function () {
  var root = document.getElementById('app');
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.append(c instanceof Node ? c : document.createTextNode(String(c))); });
    return node;
  }
  function schemaBlock(schema) { return el('pre', {}, [JSON.stringify(schema, null, 2)]); }
  var res = await fetch(document.body.dataset.spec, { headers: { accept: 'application/json' } });
  if (!res.ok) { root.append(el('p', {}, ['Could not load the OpenAPI document: HTTP ' + res.status])); return; }
  var doc = await res.json();
  document.getElementById('title').textContent = doc.info.title + ' ' + doc.info.version;
  document.getElementById('description').textContent = doc.info.description;
  var base = (doc.servers && doc.servers[0] && doc.servers[0].url) || '';
  var byTag = {};
  Object.keys(doc.paths).forEach(function (path) {
    Object.keys(doc.paths[path]).forEach(function (method) {
      var op = doc.paths[path][method];
      (byTag[op.tags[0]] = byTag[op.tags[0]] || []).push({ path: path, method: method, op: op });
    });
  });
  Object.keys(byTag).forEach(function (tag) {
    root.append(el('h2', {}, [tag]));
    byTag[tag].forEach(function (entry) {
      var op = entry.op, open = op.security && op.security.length === 0;
      var body = el('div', { class: 'body' }, [el('p', {}, [op.summary]), el('p', { class: 'muted' }, ['operationId: ', el('code', {}, [op.operationId])])]);
      if (op.parameters && op.parameters.length) {
        var rows = op.parameters.map(function (p) {
          return el('tr', {}, [el('td', {}, [el('code', {}, [p.name])]), el('td', {}, [p.in]), el('td', {}, [p.required ? 'required' : 'optional']), el('td', {}, [el('code', {}, [JSON.stringify(p.schema)])])]);
        });
        body.append(el('h4', {}, ['Parameters']), el('table', {}, [el('tr', {}, [el('th', {}, ['name']), el('th', {}, ['in']), el('th', {}, ['']), el('th', {}, ['schema'])])].concat(rows)));
      }
      if (op.requestBody) {
        body.append(el('h4', {}, ['Request body (application/json)' + (op.requestBody.required ? '' : ', optional')]), schemaBlock(op.requestBody.content['application/json'].schema));
      }
      body.append(el('h4', {}, ['Responses']));
      Object.keys(op.responses).forEach(function (status) {
        var r = op.responses[status];
        body.append(el('p', {}, [el('strong', {}, [status]), ' ', r.description]));
        if (r.content) Object.keys(r.content).forEach(function (type) { body.append(el('p', { class: 'muted' }, [type]), schemaBlock(r.content[type].schema)); });
      });
      root.append(el('details', { id: op.operationId }, [
        el('summary', {}, [el('span', { class: 'method ' + entry.method }, [entry.method]), el('span', { class: 'path' }, [base + entry.path]), open ? '' : el('span', { class: 'lock' }, ['API key']), el('span', { class: 'muted' }, [op.summary])]),
        body,
      ]));
    });
  });
  root.append(el('h2', {}, ['Schemas']));
  Object.keys(doc.components.schemas).forEach(function (name) {
    root.append(el('details', { id: 'schema-' + name }, [el('summary', {}, [el('code', {}, [name])]), el('div', { class: 'body' }, [schemaBlock(doc.components.schemas[name])])]));
  });
})().catch(function (err) { document.getElementById('app').textContent = 'Could not render the API reference: ' + err; });
`;

const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Only the inline script and style above may run; the page talks to its own origin only. */
export const DOCS_CONTENT_SECURITY_POLICY = `default-src 'none'; script-src ${hash(SCRIPT)}; style-src ${hash(STYLE)}; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

export function renderDocsPage(specUrl: string): string {
  const attribute = specUrl.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Agent Mesh API reference</title><style>${STYLE}</style></head>
<body data-spec="${attribute}">
<header><h1 id="title">Agent Mesh API</h1><p id="description"></p></header>
<main id="app"></main>
<script>${SCRIPT}</script>
</body>
</html>`;
}
