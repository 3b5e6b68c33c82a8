import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Task } from '@mesh/core';
import { pngWithHeader } from '@mesh/testing';
import { KEY_A, KEY_B, SEED, startApiHarness, type ApiHarness } from './api-harness';

/**
 * Attachments (issue 21) through the real API over a real Postgres: JSON base64, URLs fetched
 * through the outbound policy (a local server, allowed by MESH_TOOL_ALLOWED_HOSTS for its port
 * only), multipart uploads; every refusal stores nothing; downloads byte-identical; isolation;
 * one blob per distinct content; blobs gone with the network.
 */

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Files whose headers are real (what file-type and the facts reader look at), padded as needed. */
const FILES = {
  /** Signature, IHDR, one IDAT chunk of `padBytes` and IEND: 57 bytes more than `padBytes` (CRCs are not checked by readers here). */
  png(width = 640, height = 480, padBytes = 64): Buffer {
    return pngWithHeader(width, height, randomBytes(padBytes));
  },
  jpeg(width = 320, height = 200): Buffer {
    const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00]);
    const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
    return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, randomBytes(32), Buffer.from([0xff, 0xd9])]);
  },
  gif(width = 16, height = 9): Buffer {
    const b = Buffer.alloc(13);
    b.write('GIF89a', 0, 'latin1');
    b.writeUInt16LE(width, 6);
    b.writeUInt16LE(height, 8);
    return Buffer.concat([b, randomBytes(16), Buffer.from([0x3b])]);
  },
  webp(width = 800, height = 600): Buffer {
    const b = Buffer.alloc(30);
    b.write('RIFF', 0, 'latin1');
    b.writeUInt32LE(22, 4);
    b.write('WEBP', 8, 'latin1');
    b.write('VP8X', 12, 'latin1');
    b.writeUInt32LE(10, 16);
    b.writeUIntLE(width - 1, 24, 3);
    b.writeUIntLE(height - 1, 27, 3);
    return b;
  },
  pdf(pages = 2): Buffer {
    const kids = Array.from({ length: pages }, (_, i) => `${i + 3} 0 obj\n<< /Type /Page /Parent 2 0 R >>\nendobj\n`).join('');
    return Buffer.from(`%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Count ${pages} >>\nendobj\n${kids}trailer\n<< /Root 1 0 R >>\n%%EOF\n`, 'latin1');
  },
  wav(durationMs = 500): Buffer {
    const byteRate = 8000 * 2;
    const dataBytes = (byteRate * durationMs) / 1000;
    const b = Buffer.alloc(44 + dataBytes);
    b.write('RIFF', 0, 'latin1');
    b.writeUInt32LE(36 + dataBytes, 4);
    b.write('WAVE', 8, 'latin1');
    b.write('fmt ', 12, 'latin1');
    b.writeUInt32LE(16, 16);
    b.writeUInt16LE(1, 20); // PCM
    b.writeUInt16LE(1, 22); // mono
    b.writeUInt32LE(8000, 24);
    b.writeUInt32LE(byteRate, 28);
    b.writeUInt16LE(2, 32);
    b.writeUInt16LE(16, 34);
    b.write('data', 36, 'latin1');
    b.writeUInt32LE(dataBytes, 40);
    return b;
  },
  mp3(): Buffer {
    // An ID3v2 tag, then MPEG-1 Layer III frame headers.
    return Buffer.concat([Buffer.from('ID3', 'latin1'), Buffer.from([3, 0, 0, 0, 0, 0, 0]), Buffer.from([0xff, 0xfb, 0x90, 0x64]), randomBytes(413)]);
  },
};

let h: ApiHarness;
let networkId: string;
let files: Server;
let filesPort: number;
let closedPort: number;
const served = new Map<string, { type: string; body: Buffer; status?: number; location?: string }>();

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  files = createServer((req, res) => {
    const file = served.get(req.url ?? '');
    if (!file) return void res.writeHead(404).end();
    res.writeHead(file.status ?? 200, { 'content-type': file.type, ...(file.location ? { location: file.location } : {}) }).end(file.body);
  });
  filesPort = await listen(files);
  const closed = createServer();
  closedPort = await listen(closed);
  await new Promise((resolve) => closed.close(resolve));
  // Only these two ports of the loopback address are allowed: any other private address stays refused.
  h = await startApiHarness('api-attachments', { MESH_RATE_LIMIT_PER_MINUTE: '0', MESH_TOOL_ALLOWED_HOSTS: `127.0.0.1:${filesPort},127.0.0.1:${closedPort}`, MESH_TOOL_TIMEOUT_MS: '3000' });
  networkId = (await h.call('POST', '/networks', { json: SEED.network })).body.id;
});
afterAll(async () => {
  await h.close();
  await new Promise((resolve) => files.close(resolve));
});

const tasksPath = (network = networkId) => `/networks/${network}/tasks`;
const b64 = (data: Buffer) => data.toString('base64');

async function counts(): Promise<{ tasks: number; attachments: number; blobs: number }> {
  const { rows } = await h.t.db.query<{ tasks: string; attachments: string; blobs: string }>(
    'SELECT (SELECT count(*) FROM tasks) AS tasks, (SELECT count(*) FROM attachments) AS attachments, (SELECT count(*) FROM attachment_blobs) AS blobs',
  );
  const row = rows[0]!;
  return { tasks: Number(row.tasks), attachments: Number(row.attachments), blobs: Number(row.blobs) };
}

interface Part {
  name: string;
  type: string;
  data: Buffer;
}

/** A multipart submit, as a browser's FormData sends it. */
async function submitMultipart(task: unknown, parts: Part[], options: { key?: string; url?: string; network?: string } = {}) {
  const form = new FormData();
  if (task !== undefined) form.append('task', typeof task === 'string' ? task : JSON.stringify(task));
  for (const part of parts) form.append('file', new Blob([new Uint8Array(part.data)], { type: part.type }), part.name);
  const res = await fetch(`${options.url ?? h.url}/api/mesh${tasksPath(options.network)}`, { method: 'POST', headers: { authorization: `Bearer ${options.key ?? KEY_A}` }, body: form });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function download(taskId: string, attachmentId: string, key = KEY_A, network = networkId) {
  const res = await fetch(`${h.url}/api/mesh/networks/${network}/tasks/${taskId}/attachments/${attachmentId}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The request is refused with this status and nothing at all is stored. */
// Error bodies are checked field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function expectRefusedStoringNothing(send: () => Promise<{ status: number; body: any }>, status: number, message: RegExp): Promise<{ status: number; body: any }> {
  const before = await counts();
  const res = await send();
  expect({ status: res.status, message: res.body?.error?.message }).toEqual({ status, message: expect.stringMatching(message) });
  expect(await counts()).toEqual(before);
  return res;
}

describe('JSON submit with data_base64', () => {
  it('stores every accepted type with its facts, shows them on the task, and streams each back byte-identical', async () => {
    const given = [
      { name: 'photo.png', media_type: 'image/png', data: FILES.png(640, 480) },
      { name: 'photo.jpg', media_type: 'image/jpeg', data: FILES.jpeg(320, 200) },
      { name: 'anim.gif', media_type: 'image/gif', data: FILES.gif(16, 9) },
      { name: 'pic.webp', media_type: 'image/webp', data: FILES.webp(800, 600) },
      { name: 'brief.pdf', media_type: 'application/pdf', data: FILES.pdf(3) },
      { name: 'voice.wav', media_type: 'audio/wav', data: FILES.wav(500) },
      { name: 'song.mp3', media_type: 'audio/mpeg', data: FILES.mp3() },
    ];
    const res = await h.call('POST', tasksPath(), { json: { ...SEED.task, attachments: given.map((g) => ({ name: g.name, media_type: g.media_type, data_base64: b64(g.data) })) } });
    expect(res.status).toBe(201);
    const task = Task.parse(res.body);
    expect(task.attachments.map((a) => [a.name, a.media_type, a.size_bytes, a.sha256])).toEqual(given.map((g) => [g.name, g.media_type, g.data.length, sha256(g.data)]));
    const facts = Object.fromEntries(task.attachments.map((a) => [a.name, { width: a.width, height: a.height, pages: a.pages, duration_ms: a.duration_ms }]));
    expect(facts).toEqual({
      'photo.png': { width: 640, height: 480, pages: null, duration_ms: null },
      'photo.jpg': { width: 320, height: 200, pages: null, duration_ms: null },
      'anim.gif': { width: 16, height: 9, pages: null, duration_ms: null },
      'pic.webp': { width: 800, height: 600, pages: null, duration_ms: null },
      'brief.pdf': { width: null, height: null, pages: 3, duration_ms: null },
      'voice.wav': { width: null, height: null, pages: null, duration_ms: 500 },
      'song.mp3': { width: null, height: null, pages: null, duration_ms: null },
    });
    // The same attachments on GET and in the list (one query each, not one per task).
    expect(Task.parse((await h.call('GET', `${tasksPath()}/${task.id}`)).body).attachments).toEqual(task.attachments);
    const listed = (await h.call('GET', tasksPath())).body.tasks.find((t: { id: string }) => t.id === task.id);
    expect(listed.attachments).toEqual(task.attachments);
    expect(await h.deps.store.attachments.forTask('tenant-a', task.id)).toEqual(task.attachments);
    for (const [i, g] of given.entries()) {
      const got = await download(task.id, task.attachments[i]!.attachment_id);
      expect(got.status).toBe(200);
      expect(got.headers.get('content-type')).toBe(g.media_type);
      expect(got.headers.get('x-content-type-options')).toBe('nosniff');
      expect(got.headers.get('content-disposition')).toBe(`attachment; filename="${g.name}"; filename*=UTF-8''${g.name}`);
      expect(sha256(got.bytes)).toBe(sha256(g.data));
    }
    expect((await h.deps.store.attachments.content('tenant-a', task.attachments[0]!.attachment_id))?.equals(given[0]!.data)).toBe(true);
  });

  it('a task without attachments shows an empty list', async () => {
    const res = await h.call('POST', tasksPath(), { json: SEED.task });
    expect(res.status).toBe(201);
    expect(res.body.attachments).toEqual([]);
  });

  it('refuses invalid base64 and stores nothing', async () => {
    for (const data_base64 of ['not base64!', 'iVBORw0KGgo', 'iVBO Rw0K', 'iVBORw0KGgo=\n']) {
      const res = await expectRefusedStoringNothing(
        () => h.call('POST', tasksPath(), { json: { ...SEED.task, attachments: [{ name: 'a.png', media_type: 'image/png', data_base64 }] } }),
        400,
        /Invalid request body/,
      );
      expect(res.body.error.details).toEqual([{ path: 'attachments.0.data_base64', message: expect.stringMatching(/base64/) }]);
    }
  });

  it('refuses a type not among the seven, bytes that do not match, duplicate names, and too many files, storing nothing', async () => {
    const pdf = FILES.pdf();
    const unsupported = await expectRefusedStoringNothing(
      () => h.call('POST', tasksPath(), { json: { ...SEED.task, attachments: [{ name: 'notes.txt', media_type: 'text/plain', data_base64: b64(Buffer.from('hello')) }] } }),
      400,
      /Invalid request body/,
    );
    expect(unsupported.body.error.details[0]).toEqual({ path: 'attachments.0.media_type', message: expect.stringContaining('image/png, image/jpeg') });
    const mismatch = await expectRefusedStoringNothing(
      () => h.call('POST', tasksPath(), { json: { ...SEED.task, attachments: [{ name: 'ok.png', media_type: 'image/png', data_base64: b64(FILES.png()) }, { name: 'fake.png', media_type: 'image/png', data_base64: b64(pdf) }] } }),
      400,
      /"fake.png": the bytes do not match the declared type image\/png: they are application\/pdf/,
    );
    expect(mismatch.body.error.details).toEqual([{ path: 'attachments.1', message: 'bytes are not image/png' }]);
    await expectRefusedStoringNothing(
      () => h.call('POST', tasksPath(), { json: { ...SEED.task, attachments: [{ name: 'noise.wav', media_type: 'audio/wav', data_base64: b64(randomBytes(64)) }] } }),
      400,
      /not a recognisable file type/,
    );
    await expectRefusedStoringNothing(
      () => h.call('POST', tasksPath(), { json: { ...SEED.task, attachments: [{ name: 'a.pdf', media_type: 'application/pdf', data_base64: b64(pdf) }, { name: 'a.pdf', media_type: 'application/pdf', data_base64: b64(pdf) }] } }),
      400,
      /Two attachments are named "a.pdf"/,
    );
    const eleven = Array.from({ length: 11 }, (_, i) => ({ name: `p${i}.pdf`, media_type: 'application/pdf', data_base64: b64(pdf) }));
    await expectRefusedStoringNothing(() => h.call('POST', tasksPath(), { json: { ...SEED.task, attachments: eleven } }), 400, /Too many files: a task takes at most 10 attachments \(got 11\)/);
  });
});

describe('JSON submit with url', () => {
  it('fetches an allowed URL once and stores its bytes (type from the response, checked against the bytes)', async () => {
    const png = FILES.png(2, 3);
    served.set('/diagram.png', { type: 'image/png', body: png });
    const res = await h.call('POST', tasksPath(), { json: { ...SEED.task, attachments: [{ name: 'diagram.png', url: `http://127.0.0.1:${filesPort}/diagram.png` }] } });
    expect(res.status).toBe(201);
    expect(res.body.attachments).toEqual([expect.objectContaining({ name: 'diagram.png', media_type: 'image/png', size_bytes: png.length, sha256: sha256(png), width: 2, height: 3 })]);
    expect(sha256((await download(res.body.id, res.body.attachments[0].attachment_id)).bytes)).toBe(sha256(png));
  });

  it('refuses a private address that is not allowed, an unreachable URL, a redirect and an error status, naming the attachment and storing nothing', async () => {
    served.set('/moved.png', { type: 'text/html', body: Buffer.alloc(0), status: 302, location: 'http://169.254.169.254/latest/meta-data' });
    served.set('/teapot.png', { type: 'text/plain', body: Buffer.from('no'), status: 418 });
    const cases: [string, RegExp][] = [
      // Loopback on a port the allow-list does not name, and a private address.
      [`http://127.0.0.1:${filesPort + 1 === closedPort ? filesPort + 2 : filesPort + 1}/x.png`, /Attachment "remote.png": url .*(loopback|MESH_TOOL_ALLOWED_HOSTS)/],
      ['http://10.1.2.3/x.png', /Attachment "remote.png": url .*private/],
      ['http://169.254.169.254/latest/meta-data', /Attachment "remote.png": url is refused/],
      [`http://127.0.0.1:${closedPort}/x.png`, /Attachment "remote.png": the url could not be fetched/],
      [`http://127.0.0.1:${filesPort}/moved.png`, /Attachment "remote.png": the url answered 302 \(a redirect\): redirects are not followed/],
      [`http://127.0.0.1:${filesPort}/teapot.png`, /Attachment "remote.png": the url answered 418/],
    ];
    for (const [url, message] of cases) {
      const res = await expectRefusedStoringNothing(() => h.call('POST', tasksPath(), { json: { ...SEED.task, attachments: [{ name: 'remote.png', url }] } }), 400, message);
      expect(res.body.error.details).toEqual([{ path: 'attachments.0.url', message: expect.any(String) }]);
    }
  });

  it('refuses a URL whose bytes are not the declared type, or over the file limit', async () => {
    served.set('/fake.png', { type: 'image/png', body: FILES.pdf() });
    await expectRefusedStoringNothing(
      () => h.call('POST', tasksPath(), { json: { ...SEED.task, attachments: [{ name: 'fake.png', url: `http://127.0.0.1:${filesPort}/fake.png` }] } }),
      400,
      /the bytes do not match the declared type image\/png/,
    );
    served.set('/huge.png', { type: 'image/png', body: FILES.png(1, 1, 10 * 1_048_576) });
    await expectRefusedStoringNothing(
      () => h.call('POST', tasksPath(), { json: { ...SEED.task, attachments: [{ name: 'huge.png', url: `http://127.0.0.1:${filesPort}/huge.png` }] } }),
      413,
      /"huge.png" exceeds the limit of 10 MiB a file/,
    );
  });
});

describe('multipart submit', () => {
  it('stores the files in order, streams a multi-megabyte one back byte-identical, and starts nothing', async () => {
    const big = FILES.png(4000, 3000, 9 * 1_048_576);
    const pdf = FILES.pdf(1);
    const res = await submitMultipart(SEED.task, [
      { name: 'big scan.png', type: 'image/png', data: big },
      { name: 'résumé.pdf', type: 'application/pdf', data: pdf },
    ]);
    expect(res.status).toBe(201);
    const task = Task.parse(res.body);
    expect(task.status).toBe('pending');
    expect(task.task).toBe(SEED.task.task);
    expect(task.attachments.map((a) => [a.name, a.size_bytes, a.sha256, a.width, a.pages])).toEqual([
      ['big scan.png', big.length, sha256(big), 4000, null],
      ['résumé.pdf', pdf.length, sha256(pdf), null, 1],
    ]);
    const got = await download(task.id, task.attachments[0]!.attachment_id);
    expect(got.headers.get('content-length')).toBe(String(big.length));
    expect(sha256(got.bytes)).toBe(sha256(big));
    const named = await download(task.id, task.attachments[1]!.attachment_id);
    expect(named.headers.get('content-disposition')).toBe(`attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`);
    expect(named.bytes.equals(pdf)).toBe(true);
  });

  it('refuses an unsupported part type (415), mismatched bytes, a missing or invalid task field, attachments in the field, storing nothing', async () => {
    await expectRefusedStoringNothing(() => submitMultipart(SEED.task, [{ name: 'notes.txt', type: 'text/plain', data: Buffer.from('hi') }]), 415, /"notes.txt": type text\/plain is not taken; use one of image\/png/);
    await expectRefusedStoringNothing(() => submitMultipart(SEED.task, [{ name: 'x.jpg', type: 'image/jpeg', data: FILES.png() }]), 400, /"x.jpg": the bytes do not match the declared type image\/jpeg: they are image\/png/);
    await expectRefusedStoringNothing(() => submitMultipart(undefined, [{ name: 'x.png', type: 'image/png', data: FILES.png() }]), 400, /Invalid multipart body/);
    await expectRefusedStoringNothing(() => submitMultipart('{not json', [{ name: 'x.png', type: 'image/png', data: FILES.png() }]), 400, /Invalid multipart body/);
    await expectRefusedStoringNothing(() => submitMultipart({ priority: 3 }, [{ name: 'x.png', type: 'image/png', data: FILES.png() }]), 400, /Invalid request body/);
    await expectRefusedStoringNothing(
      () => submitMultipart({ ...SEED.task, attachments: [{ name: 'y.png', media_type: 'image/png', data_base64: b64(FILES.png()) }] }, [{ name: 'x.png', type: 'image/png', data: FILES.png() }]),
      400,
      /the attachments are file parts/,
    );
  });

  it('answers 413 over the file limit and over the task limit, and 400 for too many files, storing nothing', async () => {
    const limited = await h.startVariant({ config: { ...h.deps.config, attachments: { maxFileBytes: 4096, maxTaskBytes: 6000, maxFiles: 2 } } });
    try {
      const png = (bytes: number) => FILES.png(1, 1, bytes - 57);
      const base = limited.url;
      await expectRefusedStoringNothing(() => submitMultipart(SEED.task, [{ name: 'big.png', type: 'image/png', data: png(5000) }], { url: base }), 413, /"big.png" exceeds the limit of 4096 bytes a file/);
      await expectRefusedStoringNothing(
        () => submitMultipart(SEED.task, [{ name: 'a.png', type: 'image/png', data: png(4000) }, { name: 'b.png', type: 'image/png', data: png(4000) }], { url: base }),
        413,
        /exceed the limit of 6000 bytes together/,
      );
      await expectRefusedStoringNothing(
        () => submitMultipart(SEED.task, [1, 2, 3].map((i) => ({ name: `${i}.png`, type: 'image/png', data: png(100) })), { url: base }),
        400,
        /Too many files: a task takes at most 2/,
      );
      // The same limits hold for inline files.
      await expectRefusedStoringNothing(
        () => limited.call('POST', tasksPath(), { json: { ...SEED.task, attachments: [{ name: 'big.png', media_type: 'image/png', data_base64: b64(png(5000)) }] } }),
        413,
        /"big.png" exceeds the limit of 4096 bytes a file/,
      );
      await expectRefusedStoringNothing(
        () => limited.call('POST', tasksPath(), { json: { ...SEED.task, attachments: ['a', 'b'].map((n) => ({ name: `${n}.png`, media_type: 'image/png', data_base64: b64(png(4000)) })) } }),
        413,
        /exceed the limit of 6000 bytes together/,
      );
      // Within the limits the variant stores.
      expect((await submitMultipart(SEED.task, [{ name: 'ok.png', type: 'image/png', data: png(4000) }], { url: base })).status).toBe(201);
    } finally {
      await limited.close();
    }
  });
});

describe('downloads, isolation and storage', () => {
  async function withAttachment(network = networkId, data = FILES.png()): Promise<{ task: Task; data: Buffer }> {
    const res = await h.call('POST', tasksPath(network), { json: { ...SEED.task, attachments: [{ name: 'shot.png', media_type: 'image/png', data_base64: b64(data) }] } });
    expect(res.status).toBe(201);
    return { task: Task.parse(res.body), data };
  }

  it("is 404 for another tenant, another task's attachment, another network, or an unknown id", async () => {
    const { task } = await withAttachment();
    const other = (await h.call('POST', tasksPath(), { json: SEED.task })).body;
    const attachmentId = task.attachments[0]!.attachment_id;
    expect((await download(task.id, attachmentId)).status).toBe(200);
    expect((await download(task.id, attachmentId, KEY_B)).status).toBe(404);
    expect((await download(other.id, attachmentId)).status).toBe(404);
    const otherNetwork = (await h.call('POST', '/networks', { json: { ...SEED.network, name: 'Other' } })).body.id;
    expect((await download(task.id, attachmentId, KEY_A, otherNetwork)).status).toBe(404);
    const missing = await download(task.id, '00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.bytes.toString()).error.code).toBe('not_found');
    expect(await h.deps.store.attachments.content('tenant-b', attachmentId)).toBeNull();
    // Tenant B cannot submit into tenant A's network either, and no URL is fetched for it.
    expect((await h.call('POST', tasksPath(), { key: KEY_B, json: { ...SEED.task, attachments: [{ name: 'x.png', media_type: 'image/png', data_base64: b64(FILES.png()) }] } })).status).toBe(404);
  });

  it('stores the same bytes once per tenant (content addressing), and keeps tenants apart', async () => {
    const data = FILES.png(7, 7);
    const before = await counts();
    await withAttachment(networkId, data);
    await withAttachment(networkId, data);
    const after = await counts();
    expect({ attachments: after.attachments - before.attachments, blobs: after.blobs - before.blobs }).toEqual({ attachments: 2, blobs: 1 });
    // Tenant B's copy of the same bytes is its own blob.
    const networkB = (await h.call('POST', '/networks', { key: KEY_B, json: SEED.network })).body.id;
    const res = await h.call('POST', tasksPath(networkB), { key: KEY_B, json: { ...SEED.task, attachments: [{ name: 'shot.png', media_type: 'image/png', data_base64: b64(data) }] } });
    expect(res.status).toBe(201);
    expect((await counts()).blobs - after.blobs).toBe(1);
  });

  it("removes a network's attachments and the blobs nothing else references when the network is deleted", async () => {
    const shared = FILES.png(9, 9);
    const network = (await h.call('POST', '/networks', { json: { ...SEED.network, name: 'Doomed' } })).body.id;
    await withAttachment(network, shared);
    await withAttachment(networkId, shared); // the same bytes in a network that stays
    const only = await withAttachment(network, FILES.png(11, 11));
    const before = await counts();
    expect((await h.call('DELETE', `/networks/${network}`)).status).toBe(204);
    const after = await counts();
    expect({ attachments: before.attachments - after.attachments, blobs: before.blobs - after.blobs }).toEqual({ attachments: 2, blobs: 1 });
    const { rows } = await h.t.db.query('SELECT 1 FROM attachment_blobs WHERE sha256 = $1', [sha256(only.data)]);
    expect(rows).toHaveLength(0);
    const kept = await h.t.db.query('SELECT 1 FROM attachment_blobs WHERE sha256 = $1', [sha256(shared)]);
    expect(kept.rows).toHaveLength(1);
  });
});

describe('re-run', () => {
  it('gives the new task the same attachments over the same blobs', async () => {
    const data = FILES.pdf(4);
    const original = (await h.call('POST', tasksPath(), { json: { ...SEED.task, attachments: [{ name: 'brief.pdf', media_type: 'application/pdf', data_base64: b64(data) }] } })).body;
    const before = await counts();
    const rerun = await h.call('POST', `${tasksPath()}/${original.id}/rerun`);
    expect(rerun.status).toBe(201);
    const copy = Task.parse(rerun.body);
    expect(copy.attachments.map(({ attachment_id: _id, created_at: _at, ...rest }) => rest)).toEqual(original.attachments.map(({ attachment_id: _id, created_at: _at, ...rest }: Task['attachments'][number]) => rest));
    expect(copy.attachments[0]!.attachment_id).not.toBe(original.attachments[0].attachment_id);
    const after = await counts();
    expect({ tasks: after.tasks - before.tasks, attachments: after.attachments - before.attachments, blobs: after.blobs - before.blobs }).toEqual({ tasks: 1, attachments: 1, blobs: 0 });
    expect(sha256((await download(copy.id, copy.attachments[0]!.attachment_id)).bytes)).toBe(sha256(data));
  });
});
