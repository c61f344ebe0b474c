import { Injectable } from '@nestjs/common';

/** Where texts go: the integrator's provider (Twilio, a carrier's API...). */
export interface SmsGateway {
  send(to: string, text: string): Promise<void>;
}

/** The injection token of the gateway (same name as the interface). */
export const SmsGateway = Symbol('SmsGateway');

/** A gateway that keeps the texts in memory, for tests and local development. */
@Injectable()
export class FakeSmsGateway implements SmsGateway {
  readonly sent: Array<{ to: string; text: string }> = [];

  async send(to: string, text: string): Promise<void> {
    this.sent.push({ to, text });
  }

  /** The six-digit code of the last text to this number. */
  lastCodeTo(phone: string): string {
    const text = [...this.sent].reverse().find((message) => message.to === phone)?.text;
    const code = text?.match(/\b(\d{6})\b/)?.[1];
    if (!code) throw new Error(`No code was texted to ${phone}`);
    return code;
  }
}
