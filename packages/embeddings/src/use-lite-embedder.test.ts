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
