import { simpleParser } from 'mailparser';
import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  raw: string;
}

/**
 * A real SMTP server on a free port, as a mailbox the tests read from.
 * Options let a test demand a password or refuse everything (an outage).
 */
export class TestSmtpServer {
  readonly messages: ReceivedMail[] = [];
  /** Every AUTH the server received, in order (what a hostile server would learn). */
  readonly logins: Array<{ username: string; password: string | null | undefined }> = [];
  private server: SMTPServer;
  private waiters: Array<() => void> = [];
  port = 0;

  constructor(
    private readonly options: {
      username?: string;
      password?: string;
      /** Recipients refused for good (550), as a real server refuses an unknown mailbox. */
      rejectRecipients?: RegExp;
      /** Recipients refused for now (451), as a real server answers when it cannot take mail at the moment. */
      deferRecipients?: RegExp;
      /** Where to listen (default 127.0.0.1; 0.0.0.0 to be reached on the machine's other addresses). */
      listenHost?: string;
      /** Text the server puts in its greeting and in every refusal (a banner an attacker would like to read). */
      banner?: string;
      /** Refuse every sender with 554 and the banner (a server that answers 5xx). */
      rejectAll?: boolean;
    } = {},
  ) {}

  async start(port = 0): Promise<void> {
    const { username, password } = this.options;
    const { banner, rejectAll } = this.options;
    this.server = new SMTPServer({
      secure: false,
      disabledCommands: ['STARTTLS'],
      authOptional: !username,
      logger: false,
      ...(banner && { banner }),
      onAuth: (auth, _session, callback) => {
        this.logins.push({ username: auth.username ?? '', password: auth.password });
        if (auth.username === username && auth.password === password) return callback(null, { user: username });
        return callback(new Error(`Invalid username or password${banner ? ` ${banner}` : ''}`));
      },
      onMailFrom: (_address, _session, callback) => {
        if (rejectAll) return callback(Object.assign(new Error(`Relay denied ${banner ?? ''}`), { responseCode: 554 }));
        return callback();
      },
      onRcptTo: (address, _session, callback) => {
        if (this.options.rejectRecipients?.test(address.address)) {
          return callback(Object.assign(new Error('No such mailbox'), { responseCode: 550 }));
        }
        if (this.options.deferRecipients?.test(address.address)) {
          return callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
        }
        return callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', async () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const parsed = await simpleParser(raw);
          this.messages.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            raw,
          });
          this.waiters.splice(0).forEach((wake) => wake());
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.options.listenHost ?? '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
  }

  get url(): string {
    const { username, password } = this.options;
    const auth = username ? `${encodeURIComponent(username)}:${encodeURIComponent(password ?? '')}@` : '';
    return `smtp://${auth}127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** An outage: the port refuses connections until `restart()`. */
  async restart(): Promise<void> {
    await this.start(this.port);
  }

  /** Waits for the next message to `to` that matches, after `since` messages. */
  async waitFor(to: string, options: { timeoutMs?: number; since?: number; match?: (m: ReceivedMail) => boolean } = {}): Promise<ReceivedMail> {
    const deadline = Date.now() + (options.timeoutMs ?? 15_000);
    for (;;) {
      const found = this.messages
        .slice(options.since ?? 0)
        .find((m) => m.to.includes(to.toLowerCase()) && (options.match ? options.match(m) : true));
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`No mail to ${to} within the timeout (${this.messages.length} received)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  countTo(to: string): number {
    return this.messages.filter((m) => m.to.includes(to.toLowerCase())).length;
  }
}

/** The six-digit code in a message, read as a user would. */
export function sixDigitCode(mail: ReceivedMail): string {
  const match = /\b(\d{6})\b/.exec(mail.text);
  if (!match) throw new Error(`No six-digit code in: ${mail.text}`);
  return match[1];
}
