import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
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

/**
 * An encoder (loaded) whose callers' priority the test sets, and the texts of each pass it sends
 * to its thread from now on.
 */
async function watchedEncoder() {
  const state = { priority: 0 };
  const embedder = new UseLiteEmbedder({ batchSize: 4, priority: () => state.priority });
  const post = jest.spyOn(Worker.prototype, 'postMessage');
  await embedder.embed(['warm up']);
  post.mockClear();
  return {
    embedder,
    state,
    passes: () => post.mock.calls.map(([message]) => (message as { texts: string[] }).texts),
    async close() {
      post.mockRestore();
      await embedder.close();
    },
  };
}

it('serves waiting requests in priority order, a query on a pass of its own and a batch four texts to a pass, each text getting its own vector', async () => {
  const background = ['Welcome series', 'Spring sale', 'Webinar invite', 'Churn survey', 'Product update', 'Holiday hours', 'Referral reward', 'Renewal notice'];
  const queries = ['best send time', 'subject line length', 'unsubscribe rate'];
  const { embedder, state, passes, close } = await watchedEncoder();
  try {
    const order: string[] = [];
    // Background work (priority 100) asks first; its first pass starts at once. Three queries of a more urgent job follow.
    state.priority = 100;
    const slow = embedder.embed(background).then((v) => (order.push('background'), v));
    state.priority = 0;
    const fast = queries.map((q) => embedder.embed([q]).then((v) => (order.push(q), v[0]!)));
    const [slowVectors, ...fastVectors] = await Promise.all([slow, ...fast]);
    expect(order).toEqual([...queries, 'background']);
    // The pass already running; the three queries, each on its own, ahead of the rest of the background work.
    expect(passes()).toEqual([background.slice(0, 4), ...queries.map((q) => [q]), background.slice(4)]);
    const alone = async (text: string) => (await embedder.embed([text]))[0]!;
    for (const [i, text] of queries.entries()) expect(dot(fastVectors[i] as Float32Array, await alone(text))).toBeGreaterThan(0.999);
    for (const [i, text] of background.entries()) expect(dot(slowVectors[i]!, await alone(text))).toBeGreaterThan(0.999);
  } finally {
    await close();
  }
}, 60_000);

it("runs the encoder's thread at the nice value asked, leaving the process's other threads at theirs", async () => {
  /** The nice value of each of this process's threads (Linux: /proc/self/task/<tid>/stat, field 19). */
  const niceValues = () =>
    readdirSync('/proc/self/task').map((tid) => {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    });
  const before = niceValues();
  const embedder = new UseLiteEmbedder({ threadNice: 10 });
  try {
    await embedder.embed(['Launch email for TechPro X1']);
    expect(before.filter((n) => n === 10)).toHaveLength(0);
    expect(niceValues().filter((n) => n === 10)).toHaveLength(1);
    expect(getPriority()).toBe(0);
  } finally {
    await embedder.close();
  }
}, 60_000);

it('lets a query queued behind a short batch ride along on its pass', async () => {
  const { embedder, state, passes, close } = await watchedEncoder();
  try {
    state.priority = 100;
    const batch = embedder.embed(['Welcome series', 'Spring sale', 'Webinar invite', 'Churn survey', 'Product update', 'Holiday hours']);
    state.priority = 200;
    const query = embedder.embed(['best send time']);
    await Promise.all([batch, query]);
    expect(passes().map((texts) => texts.length)).toEqual([4, 3]);
  } finally {
    await close();
  }
}, 60_000);
