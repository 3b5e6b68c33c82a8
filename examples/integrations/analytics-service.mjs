#!/usr/bin/env node
// The example Analytics, Campaign and User services of SEED.md ("Integration with Other
// Services"), in one dependency-free process: it answers every operation of the three OpenAPI
// documents next to it, under /analytics, /campaign and /user, with made-up data that is the
// same for the same arguments. Guide: docs/integrations.md.
//
//   node examples/integrations/analytics-service.mjs [--port 4010] [--host 127.0.0.1]
//        [--api-key KEY] [--delay-ms 0] [--quiet]
//
// --port 0 picks a free port. MAILY_SERVICES_PORT and MAILY_SERVICES_API_KEY set the same as
// the flags. The first line on stdout is JSON: {"message":"listening","url":...}; then one JSON
// line per request unless --quiet.
//
// Side-effecting operations (the POSTs) honour Idempotency-Key like Stripe's API: the first
// request with a key is executed, a repeat with the same key and body gets the first response
// again (header Idempotent-Replayed: true) and changes nothing, a repeat with another body is
// refused (422). Concurrent requests with one key wait for the first.
//
// Not part of the documents, for tests and the demo:
//   GET /healthz                     {"status":"ok"}
//   GET /<service>/openapi.json      the document, its server URL pointing at this process
//   GET /_requests[?operation=ID]    every request handled: operation, status, Idempotency-Key,
//                                    whether it was replayed, when it arrived (epoch ms) and the
//                                    time the service spent on it (handled_ms)
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'api-key': { type: 'string' },
    'delay-ms': { type: 'string', default: '0' },
    quiet: { type: 'boolean', default: false },
  },
  strict: true,
});

const PORT = Number(flags.port ?? process.env.MAILY_SERVICES_PORT ?? 4010);
const HOST = flags.host;
const API_KEY = flags['api-key'] ?? process.env.MAILY_SERVICES_API_KEY ?? null;
/** Added to every operation: the service's own time, fixed (the benchmark uses it). */
const DELAY_MS = Number(flags['delay-ms']);
if (!Number.isInteger(PORT) || PORT < 0 || PORT > 65_535) fail(`--port must be 0-65535, not ${flags.port}`);
if (!Number.isFinite(DELAY_MS) || DELAY_MS < 0) fail(`--delay-ms must be a number ≥ 0, not ${flags['delay-ms']}`);

const SERVICES = ['analytics', 'campaign', 'user'];
const DOCUMENTS = Object.fromEntries(SERVICES.map((name) => [name, JSON.parse(readFileSync(new URL(`./${name}.openapi.json`, import.meta.url), 'utf8'))]));
const MAX_BODY_BYTES = 1_048_576;
const MAX_LOGGED_REQUESTS = 50_000;

function fail(message) {
  process.stderr.write(`analytics-service: ${message}\n`);
  process.exit(2);
}

class HttpError extends Error {
  constructor(status, error, message) {
    super(message);
    this.status = status;
    this.error = error;
  }
}

// ---------------------------------------------------------------- made-up, deterministic data

/** A number in [0, 1) that depends only on the text: the same arguments give the same data. */
function unit(...parts) {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32BE(0) / 2 ** 32;
}
const between = (min, max, ...parts) => min + (max - min) * unit(...parts);
const round = (value, digits = 4) => Math.round(value * 10 ** digits) / 10 ** digits;
const pick = (items, ...parts) => items[Math.floor(unit(...parts) * items.length)];

const PERIOD_SCALE = { last_7_days: 0.25, last_30_days: 1, last_90_days: 2.6, all_time: 3.4 };
const PERIODS = Object.keys(PERIOD_SCALE);

const campaigns = new Map(
  [
    { campaign_id: 'cmp_spring_launch', name: 'Spring product launch', subject: 'Meet the new Maily editor', segment_id: 'seg_developers', status: 'sent', send_at: '2026-03-10T09:00:00.000Z', tags: ['launch'] },
    { campaign_id: 'cmp_webinar_march', name: 'March webinar invitation', subject: 'Live: shipping faster with AI code review', segment_id: 'seg_it_managers', status: 'sent', send_at: '2026-03-24T14:00:00.000Z', tags: ['webinar'] },
    { campaign_id: 'cmp_onboarding_v2', name: 'Onboarding sequence v2', subject: 'Your first week with Maily', segment_id: 'seg_new_signups', status: 'scheduled', send_at: '2026-12-01T08:30:00.000Z', tags: ['onboarding'] },
    { campaign_id: 'cmp_techpro_teaser', name: 'TechPro X1 teaser', subject: 'Something new for developers is coming', segment_id: 'seg_developers', status: 'draft', send_at: null, tags: ['launch', 'teaser'] },
  ].map((c) => [
    c.campaign_id,
    { campaign_id: c.campaign_id, name: c.name, subject: c.subject, preheader: null, from_name: 'Maily', segment_id: c.segment_id, status: c.status, send_at: c.send_at, timezone: c.send_at ? 'UTC' : null, tags: c.tags, created_at: '2026-02-20T10:00:00.000Z', updated_at: '2026-02-20T10:00:00.000Z' },
  ]),
);
let campaignCount = 0;
let reportCount = 0;

const SEGMENTS = [
  { segment_id: 'seg_developers', name: 'Software developers', description: 'Engineers who opened a developer-focused email in the last 90 days', size: 48_210, traits: ['developer', 'ai', 'tooling', 'technical'], avg_open_rate: 0.262 },
  { segment_id: 'seg_it_managers', name: 'IT and engineering managers', description: 'Team leads and heads of engineering or IT', size: 12_930, traits: ['manager', 'it', 'budget holder', 'security'], avg_open_rate: 0.231 },
  { segment_id: 'seg_new_signups', name: 'New sign-ups (30 days)', description: 'Accounts created in the last 30 days', size: 6_480, traits: ['trial', 'onboarding'], avg_open_rate: 0.418 },
  { segment_id: 'seg_power_users', name: 'Power users', description: 'Weekly active for 12+ weeks', size: 9_870, traits: ['engaged', 'advocate', 'ai', 'beta'], avg_open_rate: 0.387 },
  { segment_id: 'seg_lapsed', name: 'Lapsed customers', description: 'No open or click in 120 days', size: 21_540, traits: ['win-back', 'discount'], avg_open_rate: 0.094 },
  { segment_id: 'seg_enterprise', name: 'Enterprise accounts', description: 'Contacts at accounts with 500+ seats', size: 3_120, traits: ['enterprise', 'security', 'compliance', 'it'], avg_open_rate: 0.204 },
];

const INDUSTRY = {
  technology: { open: 0.224, click: 0.029, days: ['tuesday', 'wednesday'], hour: 10 },
  saas: { open: 0.217, click: 0.027, days: ['tuesday', 'thursday'], hour: 9 },
  ecommerce: { open: 0.181, click: 0.021, days: ['thursday', 'sunday'], hour: 19 },
  retail: { open: 0.189, click: 0.023, days: ['friday', 'saturday'], hour: 11 },
  finance: { open: 0.236, click: 0.031, days: ['tuesday', 'wednesday'], hour: 8 },
  healthcare: { open: 0.229, click: 0.028, days: ['monday', 'wednesday'], hour: 8 },
  media: { open: 0.213, click: 0.045, days: ['monday', 'friday'], hour: 7 },
  nonprofit: { open: 0.262, click: 0.034, days: ['tuesday', 'thursday'], hour: 13 },
};
const REGION_LIFT = { north_america: 1, europe: 1.04, asia_pacific: 0.93, latin_america: 0.97, global: 1 };

function campaignMetrics(campaignId, period) {
  const known = campaigns.get(campaignId);
  const base = { campaign_id: campaignId, campaign_name: known?.name ?? null, period };
  if (known && known.status !== 'sent') {
    return { ...base, sent: 0, delivered: 0, open_rate: 0, click_rate: 0, click_to_open_rate: 0, conversion_rate: 0, unsubscribe_rate: 0, bounce_rate: 0, revenue_usd: 0, best_send_hour_local: null, top_links: [], note: `The campaign is ${known.status}: nothing was sent yet` };
  }
  const sent = Math.round(between(5_000, 65_000, campaignId, 'sent') * PERIOD_SCALE[period]);
  const delivered = Math.round(sent * between(0.965, 0.992, campaignId, 'delivered'));
  const openRate = between(0.17, 0.39, campaignId, 'open');
  const clickToOpen = between(0.08, 0.2, campaignId, 'cto');
  const clickRate = openRate * clickToOpen;
  const conversionRate = clickRate * between(0.1, 0.3, campaignId, 'conversion');
  const slug = campaignId.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return {
    ...base,
    sent,
    delivered,
    open_rate: round(openRate),
    click_rate: round(clickRate),
    click_to_open_rate: round(clickToOpen),
    conversion_rate: round(conversionRate),
    unsubscribe_rate: round(between(0.001, 0.005, campaignId, 'unsubscribe')),
    bounce_rate: sent === 0 ? 0 : round(1 - delivered / sent),
    revenue_usd: Math.round(delivered * conversionRate * between(40, 200, campaignId, 'order value')),
    best_send_hour_local: pick([8, 9, 10, 14, 16], campaignId, 'hour'),
    top_links: ['features', 'pricing', 'docs'].map((page, i) => ({ url: `https://maily.example/${slug}/${page}`, clicks: Math.round(delivered * clickRate * [0.46, 0.31, 0.14][i]) })),
  };
}

function audienceBenchmarks(industry, audience, region) {
  const row = INDUSTRY[industry];
  const lift = REGION_LIFT[region] * (audience ? between(0.9, 1.12, industry, audience) : 1);
  const notes = [`Medians over ${industry} senders in ${region.replace(/_/g, ' ')}.`];
  if (audience && /develop|engineer|technical|\bit\b|tech/i.test(audience)) notes.push('Technical audiences open most on weekday mornings and click through to documentation more than to pricing.');
  if (audience && /manager|lead|head|director|executive/i.test(audience)) notes.push('Managers open more on Tuesday and Wednesday; short subject lines with a concrete benefit do best.');
  notes.push('A/B test subject lines on 10-20 % of the list before the full send.');
  return {
    industry,
    audience: audience ?? null,
    region,
    sample_campaigns: Math.round(between(800, 9_000, industry, region)),
    open_rate: round(row.open * lift),
    click_rate: round(row.click * lift),
    unsubscribe_rate: round(between(0.0015, 0.0035, industry)),
    best_send_days: row.days,
    best_send_hour_local: row.hour,
    subject_line: { optimal_length_chars: Math.round(between(36, 52, industry, audience ?? '')), personalised_open_lift: round(between(0.08, 0.22, industry, 'personalised'), 3) },
    notes,
  };
}

function userPreferences(userId) {
  const topics = ['product updates', 'ai', 'tutorials', 'webinars', 'pricing', 'security', 'case studies'];
  const chosen = topics.filter((topic) => unit(userId, 'topic', topic) < 0.45);
  return {
    user_id: userId,
    email_opt_in: unit(userId, 'opt-in') < 0.92,
    frequency: pick(['daily', 'weekly', 'weekly', 'monthly', 'product_updates_only'], userId, 'frequency'),
    topics: chosen.length > 0 ? chosen : ['product updates'],
    language: pick(['en', 'en', 'en', 'de', 'fr', 'es', 'pt'], userId, 'language'),
    timezone: pick(['America/New_York', 'America/Los_Angeles', 'Europe/Berlin', 'Europe/London', 'Asia/Singapore'], userId, 'zone'),
    preferred_send_time: { day: pick(['tuesday', 'wednesday', 'thursday'], userId, 'day'), hour_local: pick([8, 9, 10, 12, 17], userId, 'hour') },
    segments: SEGMENTS.filter((segment) => unit(userId, segment.segment_id) < 0.3).map((segment) => segment.segment_id),
    last_opened_at: unit(userId, 'active') < 0.85 ? new Date(Date.UTC(2026, 9, 1 + Math.floor(between(0, 28, userId, 'opened')), 9)).toISOString() : null,
  };
}

// ---------------------------------------------------------------- request checks

function enumValue(value, name, allowed, fallback) {
  if (value === undefined || value === null) return fallback;
  if (!allowed.includes(value)) throw new HttpError(400, 'invalid_parameter', `${name} must be one of ${allowed.join(', ')}`);
  return value;
}

function intValue(value, name, { min, max, fallback }) {
  if (value === undefined || value === null) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || (max !== undefined && number > max)) throw new HttpError(400, 'invalid_parameter', `${name} must be a whole number from ${min}${max !== undefined ? ` to ${max}` : ''}`);
  return number;
}

function text(body, name, { required = false, max }) {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required) throw new HttpError(400, 'invalid_body', `${name} is required`);
    return null;
  }
  if (typeof value !== 'string' || (required && value.length === 0) || value.length > max) throw new HttpError(400, 'invalid_body', `${name} must be a string of at most ${max} characters${required ? ', not empty' : ''}`);
  return value;
}

function objectBody(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'invalid_body', 'the body must be a JSON object');
  return body;
}

// ---------------------------------------------------------------- operations

const now = () => new Date().toISOString();

function findCampaign(id) {
  const campaign = campaigns.get(id);
  if (!campaign) throw new HttpError(404, 'not_found', `no campaign ${id}; listCampaigns shows the campaigns there are`);
  return campaign;
}

/** [service, method, path as the document writes it, operationId, handler(request) → {status, body}] */
const OPERATIONS = [
  ['analytics', 'GET', '/campaigns/{campaign_id}/metrics', 'getCampaignMetrics', ({ params, query }) => ({ status: 200, body: campaignMetrics(params.campaign_id, enumValue(query.get('period'), 'period', PERIODS, 'last_30_days')) })],
  [
    'analytics',
    'GET',
    '/benchmarks',
    'getAudienceBenchmarks',
    ({ query }) => {
      if (!query.get('industry')) throw new HttpError(400, 'invalid_parameter', 'industry is required');
      const industry = enumValue(query.get('industry'), 'industry', Object.keys(INDUSTRY));
      const audience = query.get('audience');
      if (audience !== null && audience.length > 200) throw new HttpError(400, 'invalid_parameter', 'audience must be at most 200 characters');
      return { status: 200, body: audienceBenchmarks(industry, audience, enumValue(query.get('region'), 'region', Object.keys(REGION_LIFT), 'global')) };
    },
  ],
  [
    'analytics',
    'POST',
    '/reports',
    'createReport',
    ({ body }) => {
      const request = objectBody(body);
      const title = text(request, 'title', { required: true, max: 200 });
      const ids = request.campaign_ids;
      if (!Array.isArray(ids) || ids.length === 0 || ids.length > 20 || ids.some((id) => typeof id !== 'string' || id.length === 0 || id.length > 64)) {
        throw new HttpError(400, 'invalid_body', 'campaign_ids must list 1 to 20 campaign ids');
      }
      const period = enumValue(request.period, 'period', PERIODS, 'last_30_days');
      const metrics = request.metrics ?? ['open_rate', 'click_rate', 'conversion_rate'];
      if (!Array.isArray(metrics) || metrics.some((m) => !['open_rate', 'click_rate', 'click_to_open_rate', 'conversion_rate', 'unsubscribe_rate', 'revenue_usd'].includes(m))) {
        throw new HttpError(400, 'invalid_body', 'metrics lists unknown metrics');
      }
      const rows = [...new Set(ids)].map((id) => {
        const all = campaignMetrics(id, period);
        return { campaign_id: id, metrics: Object.fromEntries(metrics.map((m) => [m, all[m]])) };
      });
      const best = rows.reduce((a, b) => ((b.metrics[metrics[0]] ?? 0) > (a.metrics[metrics[0]] ?? 0) ? b : a));
      reportCount += 1;
      const reportId = `rpt_${String(reportCount).padStart(4, '0')}`;
      return {
        status: 201,
        body: { report_id: reportId, title, period, created_at: now(), url: `https://maily.example/reports/${reportId}`, rows, summary: `${rows.length} campaign(s); highest ${metrics[0]}: ${best.campaign_id} (${best.metrics[metrics[0]]})` },
      };
    },
  ],
  [
    'campaign',
    'GET',
    '/campaigns',
    'listCampaigns',
    ({ query }) => {
      const status = enumValue(query.get('status'), 'status', ['draft', 'scheduled', 'sent'], null);
      const limit = intValue(query.get('limit'), 'limit', { min: 1, max: 50, fallback: 20 });
      const matching = [...campaigns.values()].filter((c) => !status || c.status === status).reverse();
      return { status: 200, body: { campaigns: matching.slice(0, limit), total: matching.length } };
    },
  ],
  [
    'campaign',
    'POST',
    '/campaigns',
    'createCampaign',
    ({ body }) => {
      const draft = objectBody(body);
      const tags = draft.tags ?? [];
      if (!Array.isArray(tags) || tags.length > 10 || tags.some((t) => typeof t !== 'string' || t.length > 40)) throw new HttpError(400, 'invalid_body', 'tags must be at most 10 strings');
      campaignCount += 1;
      const campaign = {
        campaign_id: `cmp_${String(campaignCount).padStart(4, '0')}`,
        name: text(draft, 'name', { required: true, max: 200 }),
        subject: text(draft, 'subject', { required: true, max: 150 }),
        preheader: text(draft, 'preheader', { max: 200 }),
        from_name: text(draft, 'from_name', { max: 100 }) ?? 'Maily',
        segment_id: text(draft, 'segment_id', { required: true, max: 64 }),
        status: 'draft',
        send_at: null,
        timezone: null,
        tags,
        created_at: now(),
        updated_at: now(),
      };
      text(draft, 'body_markdown', { max: 50_000 });
      campaigns.set(campaign.campaign_id, campaign);
      return { status: 201, body: campaign };
    },
  ],
  ['campaign', 'GET', '/campaigns/{campaign_id}', 'getCampaign', ({ params }) => ({ status: 200, body: findCampaign(params.campaign_id) })],
  [
    'campaign',
    'POST',
    '/campaigns/{campaign_id}/schedule',
    'scheduleCampaign',
    ({ params, body }) => {
      const request = objectBody(body);
      const campaign = findCampaign(params.campaign_id);
      const sendAt = text(request, 'send_at', { required: true, max: 64 });
      if (Number.isNaN(Date.parse(sendAt))) throw new HttpError(400, 'invalid_body', 'send_at must be a date-time (RFC 3339)');
      if (campaign.status === 'sent') throw new HttpError(409, 'already_sent', `campaign ${campaign.campaign_id} was sent on ${campaign.send_at}`);
      Object.assign(campaign, { status: 'scheduled', send_at: new Date(sendAt).toISOString(), timezone: text(request, 'timezone', { max: 64 }) ?? 'UTC', updated_at: now() });
      return { status: 200, body: campaign };
    },
  ],
  ['user', 'GET', '/users/{user_id}/preferences', 'getUserPreferences', ({ params }) => ({ status: 200, body: userPreferences(params.user_id) })],
  [
    'user',
    'GET',
    '/segments',
    'listSegments',
    ({ query }) => {
      const interest = query.get('interest')?.toLowerCase().trim() || null;
      const minSize = intValue(query.get('min_size'), 'min_size', { min: 0, fallback: 0 });
      const limit = intValue(query.get('limit'), 'limit', { min: 1, max: 50, fallback: 10 });
      // A phrase matches a segment when one of its words does: "AI tooling" finds the developers.
      const words = interest ? interest.split(/[^a-z0-9-]+/).filter((w) => w.length > 1) : [];
      const matching = SEGMENTS.filter((s) => s.size >= minSize && (words.length === 0 || words.some((w) => [s.name, s.description, ...s.traits].join(' ').toLowerCase().includes(w)))).sort((a, b) => b.size - a.size);
      return { status: 200, body: { segments: matching.slice(0, limit), total: matching.length } };
    },
  ],
].map(([service, method, path, operationId, handle]) => {
  const names = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const pattern = new RegExp(`^/${service}${path.replace(/\{[^}]+\}/g, '([^/]+)')}$`);
  return { service, method, path, operationId, handle, names, pattern };
});

// Every operation of the documents is answered here, and nothing else is.
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
for (const [service, document] of Object.entries(DOCUMENTS)) {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.includes(method)) continue;
      if (!OPERATIONS.some((o) => o.service === service && o.path === path && o.method === method.toUpperCase() && o.operationId === operation.operationId)) {
        fail(`${service}.openapi.json has ${method.toUpperCase()} ${path} (${operation.operationId}), which this service does not answer`);
      }
    }
  }
}
const documented = Object.values(DOCUMENTS).reduce((n, d) => n + Object.values(d.paths).reduce((m, item) => m + Object.keys(item).filter((k) => HTTP_METHODS.includes(k)).length, 0), 0);
if (OPERATIONS.length !== documented) fail('an operation is not in its document');

// ---------------------------------------------------------------- idempotency

/** `<service> <key>` → the first request's fingerprint and its response (a promise while it runs). */
const idempotent = new Map();

function canonicalJson(value) {
  return JSON.stringify(value, (_key, item) => (item && typeof item === 'object' && !Array.isArray(item) ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : 1))) : item));
}

/** Runs a side-effecting operation once per Idempotency-Key; returns the response and whether it was replayed. */
async function runOnce(key, operation, request, run) {
  if (!key) return { response: await run(), replayed: false };
  if (key.length > 255) throw new HttpError(400, 'invalid_idempotency_key', 'Idempotency-Key must be at most 255 characters');
  const slot = `${operation.service} ${key}`;
  const fingerprint = `${operation.method} ${request.path} ${canonicalJson(request.body)}`;
  const earlier = idempotent.get(slot);
  if (earlier) {
    if (earlier.fingerprint !== fingerprint) throw new HttpError(422, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request');
    return { response: await earlier.response, replayed: true };
  }
  const response = run();
  idempotent.set(slot, { fingerprint, response });
  // A failed request (4xx/5xx, an exception) may be retried with the same key: only successes are kept.
  try {
    const settled = await response;
    if (settled.status >= 400) idempotent.delete(slot);
    return { response: settled, replayed: false };
  } catch (err) {
    idempotent.delete(slot);
    throw err;
  }
}

// ---------------------------------------------------------------- HTTP

const requests = [];
let listeningUrl = '';

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'too_large', `the body is larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function authorised(req) {
  if (!API_KEY) return true;
  const given = Buffer.from(String(req.headers['x-api-key'] ?? ''));
  const expected = Buffer.from(API_KEY);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function handle(req, res) {
  const startedAt = performance.now();
  const receivedAtMs = performance.timeOrigin + startedAt;
  const url = new URL(req.url ?? '/', 'http://service.local');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  if (req.method === 'GET' && path === '/healthz') return send(res, 200, { status: 'ok', services: SERVICES });
  if (req.method === 'GET' && path === '/_requests') {
    const operation = url.searchParams.get('operation');
    const list = operation ? requests.filter((r) => r.operation === operation) : requests;
    return send(res, 200, { requests: list, total: list.length });
  }
  const documentPath = /^\/(analytics|campaign|user)\/openapi\.json$/.exec(path);
  if (req.method === 'GET' && documentPath) {
    const service = documentPath[1];
    return send(res, 200, { ...DOCUMENTS[service], servers: [{ url: `${listeningUrl}/${service}` }] });
  }

  const candidates = OPERATIONS.filter((o) => o.pattern.test(path));
  const operation = candidates.find((o) => o.method === req.method);
  const key = typeof req.headers['idempotency-key'] === 'string' ? req.headers['idempotency-key'] : null;
  let status = 500;
  let replayed = false;
  try {
    if (candidates.length === 0) throw new HttpError(404, 'not_found', `no operation at ${path}`);
    if (!operation) throw new HttpError(405, 'method_not_allowed', `${path} answers ${candidates.map((o) => o.method).join(', ')}`);
    if (!authorised(req)) throw new HttpError(401, 'unauthorized', 'X-Api-Key is missing or wrong');
    const match = operation.pattern.exec(path);
    const params = Object.fromEntries(operation.names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
    let body;
    if (operation.method === 'POST') {
      const raw = await readBody(req);
      try {
        body = raw === '' ? undefined : JSON.parse(raw);
      } catch {
        throw new HttpError(400, 'invalid_json', 'the body is not JSON');
      }
    }
    const run = async () => {
      if (DELAY_MS > 0) await sleep(DELAY_MS);
      return operation.handle({ params, query: url.searchParams, body });
    };
    const outcome = operation.method === 'POST' ? await runOnce(key, operation, { path, body }, run) : { response: await run(), replayed: false };
    replayed = outcome.replayed;
    status = outcome.response.status;
    send(res, status, outcome.response.body, replayed ? { 'idempotent-replayed': 'true' } : {});
  } catch (err) {
    status = err instanceof HttpError ? err.status : 500;
    send(res, status, { error: err instanceof HttpError ? err.error : 'internal', message: err instanceof Error ? err.message : String(err) });
  } finally {
    const entry = {
      at: new Date().toISOString(),
      service: operation?.service ?? null,
      operation: operation?.operationId ?? null,
      method: req.method,
      path,
      status,
      idempotency_key: key,
      replayed,
      received_at_ms: round(receivedAtMs, 3),
      handled_ms: round(performance.now() - startedAt, 3),
    };
    requests.push(entry);
    if (requests.length > MAX_LOGGED_REQUESTS) requests.shift();
    if (!flags.quiet) process.stdout.write(`${JSON.stringify({ message: 'request', ...entry })}\n`);
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    if (!res.headersSent) send(res, 500, { error: 'internal', message: String(err) });
  });
});

server.on('error', (err) => fail(`cannot listen on ${HOST}:${PORT}: ${err.message}`));
server.listen(PORT, HOST, () => {
  const address = server.address();
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  listeningUrl = `http://${host}:${address.port}`;
  process.stdout.write(
    `${JSON.stringify({ message: 'listening', url: listeningUrl, port: address.port, services: Object.fromEntries(SERVICES.map((s) => [s, `${listeningUrl}/${s}`])), api_key_required: API_KEY !== null, delay_ms: DELAY_MS })}\n`,
  );
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
