import { MailerService } from '@nestjs-modules/mailer';
import { randomBytes } from 'node:crypto';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/app-config';
import { MailDeliveryError, MailTransport } from './mail-transport.service';
import { SmtpSettingsService } from './smtp-settings.service';

/**
 * A hand-rolled SMTP server that does not answer DATA until the test says
 * so (a server stuck mid-conversation), and records what it saw.
 */
async function stuckServer() {
  const seen = { data: false, body: false, closed: false };
  const sockets: Socket[] = [];
  let stuck: Socket | null = null;
  // Resolves when the client's connection closes or the message body arrives: whichever comes first.
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('close', () => {
      seen.closed = true;
      settle();
    });
    socket.on('error', () => undefined);
    let inData = false;
    let buffer = '';
    socket.write('220 slow.test ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let end: number;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (inData) {
          seen.body = true;
          settle();
          if (line === '.') {
            inData = false;
            socket.write('250 accepted\r\n');
          }
          continue;
        }
        const command = line.slice(0, 4).toUpperCase();
        if (command === 'EHLO' || command === 'HELO') socket.write('250 slow.test\r\n');
        else if (command === 'MAIL' || command === 'RCPT') socket.write('250 OK\r\n');
        else if (command === 'DATA') {
          seen.data = true;
          stuck = socket;
          inData = true; // what follows a late "go ahead" is the message
        } else if (command === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    seen,
    settled,
    /** The late answer to DATA, if the connection is still open. */
    goAhead: () => {
      if (stuck && !stuck.destroyed && !stuck.writableEnded) stuck.write('354 go ahead\r\n');
    },
    stop: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}

describe('MailTransport', () => {
  let stop: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await stop?.();
    stop = null;
  });

  it('aborts the SMTP conversation when the mailer stops waiting: a late "go ahead" gets no message', async () => {
    const server = await stuckServer();
    stop = server.stop;
    const config = loadConfig({
      APP_SECRET: randomBytes(32).toString('base64'),
      DATABASE_URL: 'mysql://root@127.0.0.1:3306/unused',
      SMTP_URL: `smtp://127.0.0.1:${server.port}`,
    });
    // The mailer's own bound on a send is the behaviour under test; a local handshake reaches DATA well within it.
    const mailer = new MailerService({ transport: { jsonTransport: true }, sendTimeout: 1000 }, undefined as never);
    const settings = { server: async () => null } as unknown as SmtpSettingsService;
    const transport = new MailTransport(mailer, settings, config);

    const error = await transport.send({ to: 'late@example.com', subject: 'Code', text: '123456', html: '<p>123456</p>' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MailDeliveryError);
    expect((error as MailDeliveryError).message).toMatch(/timed out/i);
    expect(server.seen.data).toBe(true);

    // The server answers DATA only now: the connection must already be going, so no message follows.
    server.goAhead();
    await server.settled; // the connection closed, or (the rule broken) the message arrived
    expect(server.seen.body).toBe(false);
    expect(server.seen.closed).toBe(true);
  }, 20_000);
});
