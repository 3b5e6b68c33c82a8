import { randomUUID } from 'node:crypto';
import { startSmtpTestServer, type SmtpTestServer } from '@mesh/testing';
import { toolTestRuntime } from './__tests__/tool-test-runtime';
import { runToolCall } from './run-tool-call';
import { SendEmailExecutor, emailMessageId } from './send-email-executor';
import { InMemorySentEmailLedger } from './sent-email-ledger';
import { toolCallIdempotencyKey } from './tool-call-idempotency-key';
import { ToolCatalog } from './tool-catalog';

describe('send_email', () => {
  let smtp: SmtpTestServer;
  let sender: SendEmailExecutor;
  let ledger: InMemorySentEmailLedger;
  const FROM = 'Agent Mesh <mesh@campaigns.example.com>';

  beforeEach(async () => {
    smtp = await startSmtpTestServer();
    ledger = new InMemorySentEmailLedger();
    sender = new SendEmailExecutor({ smtpUrl: smtp.url, from: FROM, ledger });
  });

  afterEach(async () => {
    sender.close();
    await smtp.close();
  });

  const setup = () => {
    const rt = toolTestRuntime({ wiring: { sendEmail: sender } });
    const tool = new ToolCatalog({ registered: [] }).resolve(['send_email'])[0]!;
    return { rt, tool };
  };
  const email = { to: 'ada@example.com', subject: 'Spring sale', text: 'Twenty percent off everything.' };

  it('sends one message with a Message-ID derived from the idempotency key', async () => {
    const { rt, tool } = setup();
    const subtaskId = randomUUID();
    const outcome = await runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool, arguments: email });
    expect(outcome.result.ok).toBe(true);
    expect(smtp.received).toHaveLength(1);
    const expectedId = emailMessageId(toolCallIdempotencyKey(subtaskId, 0), FROM);
    expect(expectedId).toMatch(/^<[0-9a-f-]{36}@campaigns\.example\.com>$/);
    expect(smtp.received[0]).toMatchObject({ from: 'mesh@campaigns.example.com', to: ['ada@example.com'], messageId: expectedId });
    expect(smtp.received[0]?.raw).toContain('Twenty percent off everything.');
    expect(outcome.result.data).toMatchObject({ message_id: expectedId, accepted: ['ada@example.com'] });
  });

  it('sends nothing when the journal replays the call', async () => {
    const { rt, tool } = setup();
    const subtaskId = randomUUID();
    const first = await runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool, arguments: email });
    const replay = await runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool, arguments: email });
    expect(replay.replayed).toBe(true);
    expect(replay.result).toEqual(first.result);
    expect(smtp.received).toHaveLength(1);
  });

  it('sends nothing when the call was in flight but its ledger says the message went out', async () => {
    const { rt, tool } = setup();
    const subtaskId = randomUUID();
    await runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool, arguments: email });
    // The worker died after the SMTP server accepted the message, before the call was recorded as completed.
    const other = toolTestRuntime({ wiring: { sendEmail: sender } });
    await other.journal.begin({ subtaskId, position: 0, round: 0, callId: `call-0`, tool: 'send_email', arguments: email, idempotencyKey: toolCallIdempotencyKey(subtaskId, 0), sideEffects: true, startedAt: new Date() });
    const resumed = await runToolCall(other.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool, arguments: email });
    expect(resumed.replayed).toBe(false);
    expect(resumed.result).toMatchObject({ ok: true, data: { already_sent: true } });
    expect(smtp.received).toHaveLength(1);
  });

  it('repeats an in-flight send with the same Message-ID when its ledger has no record of it', async () => {
    const { rt, tool } = setup();
    const subtaskId = randomUUID();
    // The worker died before the SMTP server accepted anything.
    await rt.journal.begin({ subtaskId, position: 0, round: 0, callId: `call-0`, tool: 'send_email', arguments: email, idempotencyKey: toolCallIdempotencyKey(subtaskId, 0), sideEffects: true, startedAt: new Date() });
    const resumed = await runToolCall(rt.deps, { subtaskId, position: 0, round: 0, callId: `call-0`, tool, arguments: email });
    expect(resumed.result.ok).toBe(true);
    expect(smtp.received.map((m) => m.messageId)).toEqual([emailMessageId(toolCallIdempotencyKey(subtaskId, 0), FROM)]);
  });

  it('rejects invalid arguments without sending', async () => {
    const { rt, tool } = setup();
    const outcome = await runToolCall(rt.deps, { subtaskId: randomUUID(), position: 0, round: 0, callId: `call-0`, tool, arguments: { to: 'not-an-address', subject: 'x', text: 'y' } });
    expect(outcome.result.ok).toBe(false);
    expect(smtp.received).toHaveLength(0);
  });

  it('reports an unreachable SMTP server as an error result without its credentials', async () => {
    const broken = new SendEmailExecutor({ smtpUrl: 'smtp://mailer:hunter2-secret@127.0.0.1:1', from: FROM, ledger, timeoutMs: 2_000 });
    try {
      const rt = toolTestRuntime({ wiring: { sendEmail: broken } });
      const tool = new ToolCatalog({ registered: [] }).get('send_email')!;
      const outcome = await runToolCall(rt.deps, { subtaskId: randomUUID(), position: 0, round: 0, callId: `call-0`, tool, arguments: email });
      expect(outcome.result.ok).toBe(false);
      expect(outcome.result.error).toMatch(/the email was not sent/);
      expect(JSON.stringify(outcome)).not.toContain('hunter2-secret');
    } finally {
      broken.close();
    }
  });
});
