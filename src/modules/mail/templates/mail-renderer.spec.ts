import { describe, expect, it } from 'vitest';
import { MailTemplateName } from '../mail.types';
import { MailRenderer } from './mail-renderer';
import { MAIL_TEMPLATES } from './mail-templates';

const renderer = new MailRenderer('Acme <Support>');

describe('mail templates', () => {
  it('every template renders an HTML and a text part in the app name', () => {
    for (const name of Object.keys(MAIL_TEMPLATES) as MailTemplateName[]) {
      const mail = renderer.render(name, { code: '123456', expiresInMinutes: 10, method: 'EMAIL', occurredAt: '2026-11-22 03:00 UTC', dueAt: '2026-12-06 03:00 UTC', daysLeft: 14 });
      expect(mail.subject, name).toContain('Acme <Support>');
      expect(mail.subject, name).not.toMatch(/[\r\n]/);
      expect(mail.text, name).toContain('Acme <Support>');
      expect(mail.html, name).toContain('Acme &lt;Support&gt;');
      expect(mail.html, name).not.toContain('Acme <Support>');
      expect(mail.html, name).toMatch(/^<!DOCTYPE html>/);
      expect(mail.text, name).not.toMatch(/<\/?(p|span|table|td|tr|br|html)\b/);
      expect(mail.text + mail.html, name).not.toMatch(/\{\{|\}\}/);
    }
  });

  it('the sign-in code is readable and copyable in both parts', () => {
    const mail = renderer.render('sign-in-code', { code: '042917', expiresInMinutes: 10 });
    // Text: the code alone on its line.
    expect(mail.text).toMatch(/^\s*042917\s*$/m);
    expect(mail.text).toContain('It expires in 10 minutes.');
    // HTML: the code as one text node (letter-spacing, not spaces, separates the digits).
    expect(mail.html).toMatch(/>042917<\/span>/);
    expect(mail.html).toContain('monospace');
    // Only one code in the message, and not in the subject.
    expect(mail.text.match(/\b\d{6}\b/g)).toEqual(['042917']);
    expect(mail.subject).not.toContain('042917');
  });

  it('enrollment code, singular minute', () => {
    const mail = renderer.render('enrollment-code', { code: '555123', expiresInMinutes: 1 });
    expect(mail.text).toMatch(/^\s*555123\s*$/m);
    expect(mail.text).toContain('It expires in 1 minute.');
    expect(mail.html).toContain('>555123</span>');
  });

  it('escapes values in HTML and keeps them literal in text', () => {
    const evil = '<script>alert("x")</script>&';
    const mail = renderer.render('notice-trusted-device-added', { device: evil, occurredAt: '2026-11-22 03:00 UTC' });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;');
    expect(mail.text).toContain(`(${evil})`);
    const code = renderer.render('sign-in-code', { code: '<b>1</b>' });
    expect(code.html).toContain('&lt;b&gt;1&lt;/b&gt;');
  });

  it('subjects stay on one line whatever the app name holds', () => {
    const mail = new MailRenderer('Evil\r\nBcc: x@example.com').render('test-message', {});
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });

  it('notices name the method and never need a code', () => {
    const on = renderer.render('notice-method-enabled', { method: 'AUTHENTICATOR_APP' });
    expect(on.text).toContain('with an authenticator app was turned on');
    const off = renderer.render('notice-method-disabled', {});
    expect(off.text).toContain('Two-factor authentication was turned off');
    const issued = renderer.render('notice-backup-code-issued', { expiresInMinutes: 30 });
    expect(issued.text).toContain('valid for 30 minutes');
    expect(issued.text).toContain('it is not in this message');
    const locked = renderer.render('notice-account-locked', { lockoutMinutes: 30 });
    expect(locked.text).toContain('blocked for 30 minutes');
  });

  it('refuses unknown templates and a code message without its code', () => {
    expect(() => renderer.assertRenderable('nope', {})).toThrow(/Unknown mail template/);
    expect(() => renderer.render('sign-in-code', {})).toThrow(/needs "code"/);
    expect(() => renderer.render('enrollment-code', { code: '' })).toThrow(/needs "code"/);
  });
});
