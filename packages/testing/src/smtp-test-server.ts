import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedEmail {
  from: string | undefined;
  to: string[];
  messageId: string | undefined;
  raw: string;
}

export interface SmtpTestServer {
  /** `smtp://127.0.0.1:<port>` (no auth, no STARTTLS). */
  url: string;
  received: ReceivedEmail[];
  /** Holds the answer to the next message's data: the server has taken the message, the client waits for its 250. */
  hold(): { released: () => void };
  close(): Promise<void>;
}

/** A real SMTP server (the smtp-server package) on 127.0.0.1 that keeps every message it takes. */
export async function startSmtpTestServer(): Promise<SmtpTestServer> {
  const received: ReceivedEmail[] = [];
  let holding: Promise<void> | null = null;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        // Like most mail servers, this one has taken the message once its data is in.
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
          to: session.envelope.rcptTo.map((r) => r.address),
          messageId: /^Message-ID:\s*(.+)$/im.exec(raw)?.[1]?.trim(),
          raw,
        });
        if (holding) {
          const gate = holding;
          holding = null;
          await gate;
        }
        callback();
      });
    },
  });
  // A client killed mid-conversation resets its connection.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    received,
    hold() {
      let released!: () => void;
      holding = new Promise<void>((resolve) => (released = resolve));
      return { released: () => released() };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
