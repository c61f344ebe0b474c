import { MailerService } from '@nestjs-modules/mailer';
import { randomBytes } from 'node:crypto';
import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/app-config';
import { classifyFailure, MailDeliveryError, MailFailure, MailTransport, protectCredentials } from './mail-transport.service';
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

describe('protectCredentials: no login in clear beyond loopback', () => {
  const auth = { user: 'u', pass: 'p' };
  it('requires STARTTLS and verifies the certificate for a login to any other host', () => {
    for (const host of ['smtp.example.com', '10.0.0.5', '2001:db8::25', '127.0.0.1.nip.io']) {
      expect(protectCredentials({ host, port: 587, secure: false, auth, ignoreTLS: true, tls: { rejectUnauthorized: false } }), host).toMatchObject({
        requireTLS: true,
        ignoreTLS: false,
        tls: { rejectUnauthorized: true },
      });
    }
  });
  it('TLS from the first byte needs no STARTTLS, but keeps verifying; no login needs no TLS', () => {
    const secure = protectCredentials({ host: 'smtp.example.com', port: 465, secure: true, auth, tls: { rejectUnauthorized: false } });
    expect(secure.requireTLS).toBeUndefined();
    expect(secure.tls).toEqual({ rejectUnauthorized: true });
    expect(protectCredentials({ host: 'smtp.example.com', port: 25, secure: false }).requireTLS).toBeUndefined();
  });
  it('loopback may stay in clear (a local relay, the tests)', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1']) {
      expect(protectCredentials({ host, port: 25, secure: false, auth }).requireTLS, host).toBeUndefined();
    }
  });
});

describe('classifyFailure: what nodemailer says, as a category', () => {
  it.each([
    [{ code: 'ESOCKET', message: 'connect ECONNREFUSED 127.0.0.1:2525', syscall: 'connect' }, MailFailure.CONNECTION_REFUSED],
    [{ code: 'ETIMEDOUT', message: 'Greeting never received' }, MailFailure.TIMEOUT],
    [new Error('Send mail timed out after 30000ms'), MailFailure.TIMEOUT],
    [{ code: 'EDNS', message: 'getaddrinfo ENOTFOUND nowhere.invalid' }, MailFailure.HOST_NOT_FOUND],
    [{ code: 'ETLS', responseCode: 500, message: 'Error upgrading connection with STARTTLS: 500 Error: command not recognized' }, MailFailure.TLS],
    [{ code: 'ESOCKET', message: 'self-signed certificate in certificate chain' }, MailFailure.TLS],
    [{ code: 'EAUTH', responseCode: 535, message: 'Invalid login: 535 5.7.8 go away' }, MailFailure.AUTHENTICATION],
    [{ code: 'EENVELOPE', responseCode: 530, message: 'Mail command failed: 530 Authentication required' }, MailFailure.AUTHENTICATION],
    [{ code: 'EENVELOPE', responseCode: 550, message: "Can't send mail - all recipients were rejected: 550 No such mailbox" }, MailFailure.REJECTED],
    [{ code: 'EPROTOCOL', responseCode: 554, message: 'Invalid greeting. response=554 banner' }, MailFailure.REJECTED],
    [{ code: 'EENVELOPE', responseCode: 451, message: "Can't send mail - all recipients were rejected: 451 Try later" }, MailFailure.DEFERRED],
    [{ code: 'ECONNECTION', message: 'Connection closed unexpectedly' }, MailFailure.CONNECTION_LOST],
    [{ code: 'EPROTOCOL', message: 'Invalid greeting' }, MailFailure.PROTOCOL],
    ['something odd', MailFailure.OTHER],
  ])('%j → %s', (error, failure) => {
    expect(classifyFailure(error)).toBe(failure);
  });

  it('the message names the server and the category only', () => {
    const error = new MailDeliveryError('10.0.0.5:25', MailFailure.REJECTED, true, '554 secret banner');
    expect(error.message).toBe('Could not send through 10.0.0.5:25: the server rejected the message.');
    expect(error.detail).toBe('554 secret banner');
  });
});

