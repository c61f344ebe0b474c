import { MailTemplateName } from '../mail.types';

/**
 * Every message, as handlebars source kept in TypeScript (the build is plain
 * `tsc`: no asset files to copy or to find from src/ and dist/).
 *
 * - `html` is rendered with HTML escaping, inside HTML_LAYOUT.
 * - `text` and `subject` are rendered without escaping (plain text).
 * - `required`: context keys the message is useless without (checked when queued).
 *
 * Every template also receives `appName`. Messages say what happened and what
 * to do, nothing more: no account details, no links, a code only where the
 * user must type it. Security notices never carry a code.
 */
export interface MailTemplateSource {
  subject: string;
  html: string;
  text: string;
  required?: readonly string[];
}

/** The code on its own, large and monospaced; one text node so it copies exactly. */
const HTML_CODE =
  '<p style="margin:24px 0;text-align:center">' +
  '<span style="display:inline-block;padding:12px 20px;border:1px solid #d0d5dd;border-radius:8px;background:#f8fafc;' +
  "font-family:'SFMono-Regular',Consolas,'Liberation Mono',Menlo,monospace;font-size:32px;font-weight:700;" +
  'letter-spacing:6px;color:#101828;-webkit-user-select:all;user-select:all">{{code}}</span></p>';

const HTML_NOT_YOU =
  '<p>If this was not you, contact your administrator right away.</p>';
const TEXT_NOT_YOU = 'If this was not you, contact your administrator right away.';

const HTML_WHEN = '{{#if occurredAt}}<p style="color:#475467">When: {{occurredAt}}</p>{{/if}}';
const TEXT_WHEN = '{{#if occurredAt}}When: {{occurredAt}}\n\n{{/if}}';

export const HTML_LAYOUT = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{subject}}</title>
</head>
<body style="margin:0;padding:24px;background:#f2f4f7;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.5;color:#101828">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;margin:0 auto;background:#ffffff;border-radius:8px">
<tr><td style="padding:32px">
<p style="margin:0 0 24px;font-size:18px;font-weight:700">{{appName}}</p>
{{{body}}}
<p style="margin-top:32px;font-size:12px;color:#667085">This message was sent automatically by {{appName}}. Do not reply to it.</p>
</td></tr>
</table>
</body>
</html>`;

export const TEXT_LAYOUT = `{{appName}}

{{{body}}}

--
This message was sent automatically by {{appName}}. Do not reply to it.
`;

export const MAIL_TEMPLATES: Record<MailTemplateName, MailTemplateSource> = {
  'sign-in-code': {
    subject: 'Your {{appName}} sign-in code',
    required: ['code'],
    html:
      '<p>Your sign-in verification code:</p>' +
      HTML_CODE +
      '<p>{{#if expiresInMinutes}}It expires in {{expiresInMinutes}} {{plural expiresInMinutes "minute"}}. {{/if}}' +
      'Never share it: nobody from {{appName}} will ever ask you for it.</p>' +
      '<p>If you did not just sign in, someone knows your password: change it and tell your administrator.</p>',
    text:
      'Your sign-in verification code:\n\n    {{code}}\n\n' +
      '{{#if expiresInMinutes}}It expires in {{expiresInMinutes}} {{plural expiresInMinutes "minute"}}. {{/if}}' +
      'Never share it: nobody from {{appName}} will ever ask you for it.\n\n' +
      'If you did not just sign in, someone knows your password: change it and tell your administrator.',
  },
  'enrollment-code': {
    subject: 'Your {{appName}} verification code',
    required: ['code'],
    html:
      '<p>Enter this code to turn on two-factor authentication by email:</p>' +
      HTML_CODE +
      '<p>{{#if expiresInMinutes}}It expires in {{expiresInMinutes}} {{plural expiresInMinutes "minute"}}. {{/if}}' +
      'Never share it.</p>' +
      '<p>If you did not ask for this, you can ignore this message.</p>',
    text:
      'Enter this code to turn on two-factor authentication by email:\n\n    {{code}}\n\n' +
      '{{#if expiresInMinutes}}It expires in {{expiresInMinutes}} {{plural expiresInMinutes "minute"}}. {{/if}}' +
      'Never share it.\n\nIf you did not ask for this, you can ignore this message.',
  },
  'test-message': {
    subject: '{{appName}} test message',
    html: '<p>This is a test message from {{appName}}. Mail delivery works.</p>',
    text: 'This is a test message from {{appName}}. Mail delivery works.',
  },
  'notice-method-enabled': {
    subject: '{{appName}}: two-factor authentication turned on',
    html:
      '<p>Two-factor authentication{{#if method}} with {{methodLabel method}}{{/if}} was turned on for your account.</p>' +
      HTML_WHEN +
      HTML_NOT_YOU,
    text:
      'Two-factor authentication{{#if method}} with {{methodLabel method}}{{/if}} was turned on for your account.\n\n' +
      TEXT_WHEN +
      TEXT_NOT_YOU,
  },
  'notice-method-disabled': {
    subject: '{{appName}}: two-factor authentication turned off',
    html:
      '<p>Two-factor authentication{{#if method}} with {{methodLabel method}}{{/if}} was turned off for your account.</p>' +
      HTML_WHEN +
      HTML_NOT_YOU,
    text:
      'Two-factor authentication{{#if method}} with {{methodLabel method}}{{/if}} was turned off for your account.\n\n' +
      TEXT_WHEN +
      TEXT_NOT_YOU,
  },
  'notice-backup-codes-regenerated': {
    subject: '{{appName}}: new backup codes',
    html:
      '<p>New backup codes were generated for your account. The old ones no longer work.</p>' + HTML_WHEN + HTML_NOT_YOU,
    text: 'New backup codes were generated for your account. The old ones no longer work.\n\n' + TEXT_WHEN + TEXT_NOT_YOU,
  },
  'notice-backup-code-issued': {
    subject: '{{appName}}: an administrator issued a backup code',
    html:
      '<p>An administrator issued a one-time backup code for your account' +
      '{{#if expiresInMinutes}}, valid for {{expiresInMinutes}} {{plural expiresInMinutes "minute"}}{{/if}}. ' +
      'The administrator gives it to you in person; it is not in this message.</p>' +
      HTML_WHEN +
      '<p>If you did not ask for one, contact your administrator right away.</p>',
    text:
      'An administrator issued a one-time backup code for your account' +
      '{{#if expiresInMinutes}}, valid for {{expiresInMinutes}} {{plural expiresInMinutes "minute"}}{{/if}}. ' +
      'The administrator gives it to you in person; it is not in this message.\n\n' +
      TEXT_WHEN +
      'If you did not ask for one, contact your administrator right away.',
  },
  'notice-account-locked': {
    subject: '{{appName}}: sign-in blocked after failed codes',
    html:
      '<p>Someone signed in with your password but entered wrong verification codes too many times, ' +
      'so sign-in to your account is blocked{{#if lockoutMinutes}} for {{lockoutMinutes}} {{plural lockoutMinutes "minute"}}{{/if}}.</p>' +
      HTML_WHEN +
      '<p>If this was not you, someone knows your password: change it as soon as you can and tell your administrator.</p>',
    text:
      'Someone signed in with your password but entered wrong verification codes too many times, ' +
      'so sign-in to your account is blocked{{#if lockoutMinutes}} for {{lockoutMinutes}} {{plural lockoutMinutes "minute"}}{{/if}}.\n\n' +
      TEXT_WHEN +
      'If this was not you, someone knows your password: change it as soon as you can and tell your administrator.',
  },
  'notice-trusted-device-added': {
    subject: '{{appName}}: new trusted device',
    html:
      '<p>A new device{{#if device}} ({{device}}){{/if}} was trusted for your account: ' +
      'it can sign in without a verification code for a while.</p>' +
      HTML_WHEN +
      '<p>If this was not you, revoke your trusted devices and change your password.</p>',
    text:
      'A new device{{#if device}} ({{device}}){{/if}} was trusted for your account: ' +
      'it can sign in without a verification code for a while.\n\n' +
      TEXT_WHEN +
      'If this was not you, revoke your trusted devices and change your password.',
  },
  'notice-trusted-device-reused': {
    subject: '{{appName}}: a trusted device was copied',
    html:
      '<p>A trusted device of your account{{#if device}} ({{device}}){{/if}} was used with an old key that it had already replaced. ' +
      'It looks like the browser\'s data was copied, so that device is no longer trusted: ' +
      'the next sign-in from it will ask for a verification code.</p>' +
      HTML_WHEN +
      '<p>If you did not copy your browser\'s data yourself, change your password now: that also ends your other sessions. ' +
      'Then tell your administrator.</p>',
    text:
      'A trusted device of your account{{#if device}} ({{device}}){{/if}} was used with an old key that it had already replaced. ' +
      "It looks like the browser's data was copied, so that device is no longer trusted: " +
      'the next sign-in from it will ask for a verification code.\n\n' +
      TEXT_WHEN +
      "If you did not copy your browser's data yourself, change your password now: that also ends your other sessions. " +
      'Then tell your administrator.',
  },
  'notice-two-factor-reset': {
    subject: '{{appName}}: two-factor authentication reset',
    html:
      '<p>An administrator turned off two-factor authentication for your account. ' +
      'Your backup codes and trusted devices no longer work. You can set it up again from your profile.</p>' +
      HTML_WHEN +
      HTML_NOT_YOU,
    text:
      'An administrator turned off two-factor authentication for your account. ' +
      'Your backup codes and trusted devices no longer work. You can set it up again from your profile.\n\n' +
      TEXT_WHEN +
      TEXT_NOT_YOU,
  },
  'notice-passkey-added': {
    subject: '{{appName}}: a passkey was added',
    html:
      '<p>A passkey{{#if passkeyName}} ({{passkeyName}}){{/if}} was added to your account: it can now be used to sign in.</p>' +
      HTML_WHEN +
      '<p>If this was not you, remove it from your profile, change your password and tell your administrator.</p>',
    text:
      'A passkey{{#if passkeyName}} ({{passkeyName}}){{/if}} was added to your account: it can now be used to sign in.\n\n' +
      TEXT_WHEN +
      'If this was not you, remove it from your profile, change your password and tell your administrator.',
  },
  'notice-passkey-removed': {
    subject: '{{appName}}: a passkey was removed',
    html: '<p>A passkey{{#if passkeyName}} ({{passkeyName}}){{/if}} was removed from your account: it no longer signs in.</p>' + HTML_WHEN + HTML_NOT_YOU,
    text: 'A passkey{{#if passkeyName}} ({{passkeyName}}){{/if}} was removed from your account: it no longer signs in.\n\n' + TEXT_WHEN + TEXT_NOT_YOU,
  },
  'enrollment-reminder': {
    subject: '{{appName}}: set up two-factor authentication by {{dueAt}}',
    required: ['dueAt'],
    html:
      '<p>Your administrator now requires two-factor authentication for your account. ' +
      'Set it up by <strong>{{dueAt}}</strong>{{#if daysLeft}} ({{daysLeft}} {{plural daysLeft "day"}} from now){{/if}}: ' +
      'sign in and turn on a second factor (an authenticator app or codes by email) from your profile.</p>' +
      '<p>After that date you will be asked to set it up before you can do anything else.</p>',
    text:
      'Your administrator now requires two-factor authentication for your account. ' +
      'Set it up by {{dueAt}}{{#if daysLeft}} ({{daysLeft}} {{plural daysLeft "day"}} from now){{/if}}: ' +
      'sign in and turn on a second factor (an authenticator app or codes by email) from your profile.\n\n' +
      'After that date you will be asked to set it up before you can do anything else.',
  },
  'enrollment-last-reminder': {
    subject: '{{appName}}: one day left to set up two-factor authentication',
    required: ['dueAt'],
    html:
      '<p>Two-factor authentication becomes mandatory for your account on <strong>{{dueAt}}</strong>, and you have not set it up yet. ' +
      'Sign in and turn on a second factor from your profile now.</p>' +
      '<p>After that date you will be asked to set it up before you can do anything else.</p>',
    text:
      'Two-factor authentication becomes mandatory for your account on {{dueAt}}, and you have not set it up yet. ' +
      'Sign in and turn on a second factor from your profile now.\n\n' +
      'After that date you will be asked to set it up before you can do anything else.',
  },
};
