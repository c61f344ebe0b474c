import { describe, expect, it } from 'vitest';
import { passwordProblem } from './password-rules';

describe('passwordProblem', () => {
  it.each(['password', 'PASSWORD', 'Password1', 'qwertyuiop', '12345678', 'iloveyou', 'changeme', 'football'])('refuses the common %s', (password) => {
    expect(passwordProblem(password, 'password')).toMatch(/^password is one of the most common passwords/);
  });

  it('refuses the email address and its user name, whatever the case', () => {
    const email = 'Maria.Lopez@Example.com';
    expect(passwordProblem('maria.lopez@example.com', 'newPassword', email)).toBe('newPassword must not be the email address or its user name');
    expect(passwordProblem('MARIA.LOPEZ', 'newPassword', email)).toMatch(/email address/);
    expect(passwordProblem(' maria.lopez ', 'newPassword', email)).toMatch(/email address/);
    expect(passwordProblem('maria.lopez-2026', 'newPassword', email)).toBeNull();
  });

  it('keeps the length range', () => {
    expect(passwordProblem('short', 'password')).toBe('password must have 8 to 256 characters');
    expect(passwordProblem('x'.repeat(257), 'password')).toMatch(/8 to 256/);
  });

  it('accepts what is long enough and not on the list (no composition rules)', () => {
    for (const password of ['change-me-now', 'admin-password-1', 'agent-password', 'correct horse battery staple', 'zwölf Äpfel!']) {
      expect(passwordProblem(password, 'password', 'someone@example.com'), password).toBeNull();
    }
  });
});
