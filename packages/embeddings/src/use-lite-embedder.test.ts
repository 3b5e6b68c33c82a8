import { Worker } from 'node:worker_threads';
import { dot } from './embedder';
import { UseLiteEmbedder } from './use-lite-embedder';

it('closing the local encoder ends its thread; used again, it loads again and encodes the same', async () => {
  const terminate = jest.spyOn(Worker.prototype, 'terminate');
  const embedder = new UseLiteEmbedder();
  try {
    const [before] = await embedder.embed(['Launch email for TechPro X1']);
    expect(before).toHaveLength(512);
    await embedder.close();
    expect(terminate).toHaveBeenCalledTimes(1);
    const [after] = await embedder.embed(['Launch email for TechPro X1']);
    expect(dot(before!, after!)).toBeCloseTo(1, 5);
  } finally {
    await embedder.close();
    terminate.mockRestore();
  }
}, 60_000);

it('serves waiting requests in priority order, the ones at the front sharing a pass, each text getting its own vector', async () => {
  const background = ['Welcome series', 'Spring sale', 'Webinar invite', 'Churn survey', 'Product update', 'Holiday hours', 'Referral reward', 'Renewal notice'];
  const queries = ['best send time', 'subject line length', 'unsubscribe rate'];
  let priority = 0;
  const embedder = new UseLiteEmbedder({ batchSize: 4, priority: () => priority });
  const post = jest.spyOn(Worker.prototype, 'postMessage');
  try {
    await embedder.embed(['warm up']);
    post.mockClear();
    const order: string[] = [];
    // Background work (priority 100) asks first; its first pass starts at once. Three queries of a more urgent job follow.
    priority = 100;
    const slow = embedder.embed(background).then((v) => (order.push('background'), v));
    priority = 0;
    const fast = queries.map((q) => embedder.embed([q]).then((v) => (order.push(q), v[0]!)));
    const [slowVectors, ...fastVectors] = await Promise.all([slow, ...fast]);
    expect(order).toEqual([...queries, 'background']);
    // The pass already running; the three queries in one pass, ahead of the rest of the background work.
    expect(post.mock.calls.map(([message]) => (message as { texts: string[] }).texts)).toEqual([background.slice(0, 4), queries, background.slice(4)]);
    const alone = async (text: string) => (await embedder.embed([text]))[0]!;
    for (const [i, text] of queries.entries()) expect(dot(fastVectors[i] as Float32Array, await alone(text))).toBeGreaterThan(0.999);
    for (const [i, text] of background.entries()) expect(dot(slowVectors[i]!, await alone(text))).toBeGreaterThan(0.999);
  } finally {
    post.mockRestore();
    await embedder.close();
  }
}, 60_000);
