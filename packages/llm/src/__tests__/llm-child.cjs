// A second process for the cross-process tests: runs the BUILT @mesh/llm (jest's transform is
// not available here) and answers commands from the parent over IPC.
'use strict';
const { Redis } = require('ioredis');
const { LlmEnv, toLlmConfig } = require('@mesh/config');

const input = JSON.parse(process.argv[2]);
const llm = require(input.llmEntry);
const redis = new Redis(input.redisUrl, { maxRetriesPerRequest: 3 });
const { config } = toLlmConfig(LlmEnv.parse(input.env));
Object.assign(config.breaker, input.breaker || {});
Object.assign(config.rateLimit, input.rateLimit || {});
const client = llm.createLlmClient({ config, redis, keyPrefix: input.keyPrefix });

function summary(response) {
  return {
    provider: response.provider,
    model: response.model,
    text: response.text,
    attempts: response.attempts.map((a) => ({ provider: a.provider, outcome: a.outcome, errorClass: a.errorClass })),
  };
}

process.on('message', async (msg) => {
  const reply = (body) => process.send({ id: msg.id, ...body });
  try {
    if (msg.cmd === 'complete') {
      reply({ ok: true, result: summary(await client.complete(msg.request)) });
    } else if (msg.cmd === 'burst') {
      // msg.count calls at once; report when each finished and how.
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: msg.count }, (_, i) =>
          client
            .complete({ ...msg.request, messages: [{ role: 'user', content: `${msg.request.messages[0].content} #${process.pid}-${i}` }] })
            .then((r) => ({ ok: true, provider: r.provider, finishedMs: Date.now() - started }))
            .catch((e) => ({ ok: false, error: `${e.name}: ${e.message}`, finishedMs: Date.now() - started })),
        ),
      );
      reply({ ok: true, result: results });
    } else if (msg.cmd === 'health') {
      reply({ ok: true, result: await client.health() });
    } else if (msg.cmd === 'exit') {
      await client.close();
      redis.disconnect();
      reply({ ok: true });
      process.exit(0);
    } else {
      reply({ ok: false, error: `unknown command ${msg.cmd}` });
    }
  } catch (err) {
    reply({ ok: false, error: `${err && err.name}: ${err && err.message}` });
  }
});

redis.once('ready', () => process.send({ ready: true }));
