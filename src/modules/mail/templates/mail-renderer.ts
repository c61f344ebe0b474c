import Handlebars from 'handlebars';
import { MailContext, MailTemplateName } from '../mail.types';
import { HTML_LAYOUT, MAIL_TEMPLATES, TEXT_LAYOUT } from './mail-templates';

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

type Compiled = (context: Record<string, unknown>) => string;

const METHOD_LABELS: Record<string, string> = {
  EMAIL: 'email codes',
  AUTHENTICATOR_APP: 'an authenticator app',
  BACKUP_CODE: 'backup codes',
  PASSKEY: 'a passkey',
};

/** A private handlebars environment: helpers registered here touch nobody else's. */
function createEnvironment(): typeof Handlebars {
  const hbs = Handlebars.create();
  hbs.registerHelper('plural', (count: unknown, word: unknown) => `${String(word)}${Number(count) === 1 ? '' : 's'}`);
  hbs.registerHelper('methodLabel', (method: unknown) => {
    const name = String(method ?? '');
    return METHOD_LABELS[name] ?? name.toLowerCase().replace(/_/g, ' ');
  });
  return hbs;
}

/**
 * Turns a template name and its context into subject, HTML and text, in the
 * app's name. Compiled once; rendering is pure (unit-tested).
 */
export class MailRenderer {
  private readonly compiled = new Map<MailTemplateName, { subject: Compiled; html: Compiled; text: Compiled }>();
  private readonly htmlLayout: Compiled;
  private readonly textLayout: Compiled;

  constructor(private readonly appName: string) {
    const hbs = createEnvironment();
    // Optional values use {{#if}}; values that must be there are checked by assertRenderable.
    const html = (source: string) => hbs.compile(source);
    const plain = (source: string) => hbs.compile(source, { noEscape: true });
    this.htmlLayout = html(HTML_LAYOUT);
    this.textLayout = plain(TEXT_LAYOUT);
    for (const [name, source] of Object.entries(MAIL_TEMPLATES) as Array<[MailTemplateName, (typeof MAIL_TEMPLATES)[MailTemplateName]]>) {
      this.compiled.set(name, { subject: plain(source.subject), html: html(source.html), text: plain(source.text) });
    }
  }

  has(template: string): template is MailTemplateName {
    return this.compiled.has(template as MailTemplateName);
  }

  /** Throws (a programming error) for an unknown template or a missing required value. */
  assertRenderable(template: string, context: MailContext): void {
    if (!this.has(template)) throw new Error(`Unknown mail template "${template}"`);
    for (const key of MAIL_TEMPLATES[template].required ?? []) {
      const value = context[key];
      if (value === undefined || value === null || value === '') throw new Error(`Mail template "${template}" needs "${key}"`);
    }
  }

  render(template: MailTemplateName, context: MailContext): RenderedMail {
    this.assertRenderable(template, context);
    const parts = this.compiled.get(template)!;
    const values: Record<string, unknown> = { ...context, appName: this.appName };
    // A header is one line, whatever the values hold.
    const subject = parts.subject(values).replace(/[\r\n]+/g, ' ').trim();
    const html = this.htmlLayout({ appName: this.appName, subject, body: parts.html(values) });
    const text = this.textLayout({ appName: this.appName, body: parts.text(values).trim() });
    return { subject, html, text };
  }
}
