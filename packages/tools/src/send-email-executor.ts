import { createTransport, type Transporter } from 'nodemailer';
import { describeError, type ToolResult } from '@mesh/core';
import type { SentEmailLedger } from './sent-email-ledger';
import { scrubSecrets } from './secret-resolver';
import { errorResult, type ToolExecution, type ToolExecutor } from './tool-executor';

export interface SendEmailExecutorOptions {
  /** MESH_SMTP_URL: `smtp://user:pass@host:587` or `smtps://…:465`. The operator's server: not subject to the outbound policy. */
  smtpUrl: string;
  /** MESH_EMAIL_FROM: `Agent Mesh <mesh@example.com>`; its domain ends every Message-ID. */
  from: string;
  ledger: SentEmailLedger;
  /** Connection, greeting and socket timeouts. */
  timeoutMs?: number;
}

const DEFAULTS = { timeoutMs: 10_000 };

interface SendEmailArguments {
  to: string | string[];
  subject: string;
  text: string;
  html?: string;
}

/** `<key@domain>`: the same call always sends the same Message-ID, so a repeat is recognisable downstream. */
export function emailMessageId(idempotencyKey: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'agent-mesh.invalid';
  return `<${idempotencyKey}@${domain.toLowerCase()}>`;
}

const addressText = (address: string | { address: string }) => (typeof address === 'string' ? address : address.address);

/**
 * The built-in `send_email`: nodemailer over the operator's SMTP server. Before sending it looks
 * the call's Message-ID up in its ledger and sends nothing when the message already went out;
 * after the server accepts, it records it there at once.
 */
export class SendEmailExecutor implements ToolExecutor {
  private readonly transport: Transporter;
  private readonly secrets: string[];

  constructor(private readonly options: SendEmailExecutorOptions) {
    const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.transport = createTransport({ url: options.smtpUrl, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
    const password = (() => {
      try {
        return decodeURIComponent(new URL(options.smtpUrl).password);
      } catch {
        return '';
      }
    })();
    this.secrets = password ? [password, options.smtpUrl] : [options.smtpUrl];
  }

  async execute(execution: ToolExecution): Promise<ToolResult> {
    const input = execution.arguments as unknown as SendEmailArguments;
    const messageId = emailMessageId(execution.idempotencyKey, this.options.from);
    const previous = await this.options.ledger.find(messageId);
    if (previous) {
      return {
        ok: true,
        content: `This email was already sent to ${previous.accepted.join(', ')} (Message-ID ${messageId}); it was not sent again.`,
        data: { message_id: messageId, accepted: previous.accepted, rejected: previous.rejected, already_sent: true },
      };
    }
    let info;
    try {
      info = await this.transport.sendMail({
        from: this.options.from,
        to: input.to,
        subject: input.subject,
        text: input.text,
        ...(input.html !== undefined ? { html: input.html } : {}),
        messageId,
      });
    } catch (err) {
      return errorResult(`the email was not sent: ${scrubSecrets(describeError(err), this.secrets)}`);
    }
    const accepted = (info.accepted as (string | { address: string })[]).map(addressText);
    const rejected = (info.rejected as (string | { address: string })[]).map(addressText);
    let note = '';
    try {
      await this.options.ledger.record({ messageId, idempotencyKey: execution.idempotencyKey, accepted, rejected, response: String(info.response ?? ''), sentAt: new Date() });
    } catch (err) {
      note = ` (it could not be recorded: ${describeError(err)})`;
    }
    const data = { message_id: messageId, accepted, rejected };
    if (accepted.length === 0) return errorResult(`the mail server rejected every recipient: ${rejected.join(', ')}`, { data });
    const rejectedText = rejected.length > 0 ? ` The server rejected ${rejected.join(', ')}.` : '';
    return { ok: true, content: `Email sent to ${accepted.join(', ')} (Message-ID ${messageId}).${rejectedText}${note}`, data };
  }

  close(): void {
    this.transport.close();
  }
}
