import { PolicyAdminService } from '../src/modules/policy/policy-admin.service';
import { PolicyService } from '../src/modules/policy/policy.service';
import { TwoFactorRequirement } from '../src/modules/policy/policy.types';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, adminToken, createUser, errorCode, startTestApp, TestApp } from './support/app';
import { sixDigitCode, TestSmtpServer } from './support/smtp';
import { oathtoolCode } from './support/totp';

// The page's globals, as the functions given to page.evaluate see them (tests compile without the DOM library).
interface CodeMirrorElement {
  CodeMirror: { getValue(): string; operationName?: string };
}
interface BrowserStorage {
  getItem(key: string): string | null;
  [key: string]: unknown;
}
declare const document: { querySelector(selector: string): (CodeMirrorElement & { textContent: string | null }) | null };
declare const sessionStorage: BrowserStorage;
declare const localStorage: BrowserStorage;

/** Debian's chromium, never a browser that playwright downloads. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** The issue's budget for a first visit, on the wire. */
const FIRST_LOAD_BUDGET_BYTES = 1.5 * 1000 * 1000;
const WAIT = { timeout: 30_000 };

const AGENT_PASSWORD = 'console-agent-password';

/** The text of the Headers editor of the tab on screen (GraphiQL keeps it in a CodeMirror 5 instance). */
async function headersText(page: Page): Promise<string> {
  await page.click('.graphiql-editor-tools button[data-name="headers"]');
  return page.evaluate(() => {
    const element = document.querySelector('section.graphiql-editor-tool[aria-label="Headers"] .graphiql-editor:not(.hidden) .CodeMirror');
    if (!element) throw new Error('no Headers editor on screen');
    return element.CodeMirror.getValue();
  });
}

/** The text of the response editor. */
function responseText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.querySelector('.graphiql-response .CodeMirror');
    return element ? element.CodeMirror.getValue() : '';
  });
}

/** Opens the tab named after its operation and runs it; resolves with the parsed answer. */
async function runTab(page: Page, title: string): Promise<{ data?: any; errors?: any[] }> {
  await page.locator('.graphiql-tab', { hasText: title }).first().click();
  // GraphiQL reads the operation's name from the editor a moment after the switch: run only once it has.
  await page.waitForFunction(
    (name) => document.querySelector('.graphiql-query-editor .CodeMirror')?.CodeMirror.operationName === name,
    title,
    WAIT,
  );
  const before = await responseText(page);
  const answered = page.waitForResponse((r) => r.url().endsWith('/graphql') && r.request().method() === 'POST' && (r.request().postData() ?? '').includes(title), WAIT);
  await page.click('.graphiql-execute-button');
  await answered;
  await page.waitForFunction((previous) => {
    const element = document.querySelector('.graphiql-response .CodeMirror');
    const text = element ? element.CodeMirror.getValue() : '';
    return text !== '' && text !== previous;
  }, before, WAIT);
  return JSON.parse(await responseText(page));
}

const panel = (page: Page) => page.locator('.twofold-panel');

async function signInThroughPanel(page: Page, email: string, password: string): Promise<void> {
  await panel(page).locator('input[name="email"]').fill(email);
  await panel(page).locator('input[name="password"]').fill(password);
  await panel(page).locator('button[type="submit"]').click();
}

async function waitForStage(page: Page, stage: string): Promise<void> {
  await page.waitForSelector(`.twofold-panel[data-stage="${stage}"]`, WAIT);
}

describe('the console (GraphiQL with the sign-in panel) in headless Chromium', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let browser: Browser;
  let admin: string;
  const contexts: BrowserContext[] = [];

  /** A fresh browser profile: empty cache, cookies and storage. */
  const openConsole = async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') failures.push(message.text());
    });
    return { context, page, failures };
  };

  const ideLoaded = (page: Page) => page.waitForSelector('.twofold-panel form[aria-label="Sign in"]', WAIT);

  beforeAll(async () => {
    smtp = new TestSmtpServer();
    await smtp.start();
    t = await startTestApp({ env: { SMTP_URL: smtp.url } });
    admin = await adminToken(t);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  });
  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
    await t?.close();
    await smtp?.stop();
  });

  it('a first load stays under 1.5 MB on the wire, every asset compressed, with no error on the page', async () => {
    const { context, page, failures } = await openConsole();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const encodedBytes = new Map<string, number>();
    const encodings = new Map<string, string>();
    cdp.on('Network.responseReceived', (event) => {
      const headers = Object.fromEntries(Object.entries(event.response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
      encodings.set(event.response.url, headers['content-encoding'] ?? 'identity');
    });
    const urls = new Map<string, string>();
    cdp.on('Network.requestWillBeSent', (event) => urls.set(event.requestId, event.request.url));
    cdp.on('Network.loadingFinished', (event) => encodedBytes.set(event.requestId, event.encodedDataLength));

    await page.goto(`${t.url}/graphql`, { waitUntil: 'networkidle' });
    await ideLoaded(page);
    // The schema was fetched (GraphiQL's introspection): the documentation explorer can open.
    await page.waitForSelector('.graphiql-tab', WAIT);

    // Over the network only: GraphiQL's fonts and icons are data: URLs inside its CSS, already counted there.
    const onTheWire = [...encodedBytes].filter(([id]) => urls.get(id)?.startsWith(t.url));
    const total = onTheWire.reduce((sum, [, bytes]) => sum + bytes, 0);
    console.log(`first load: ${onTheWire.length} requests, ${total} bytes on the wire (${onTheWire.map(([id, bytes]) => `${urls.get(id)!.slice(t.url.length)} ${bytes}`).join(', ')})`);
    expect(total).toBeGreaterThan(100_000); // GraphiQL itself was counted
    expect(total).toBeLessThan(FIRST_LOAD_BUDGET_BYTES);
    const assets = [...encodings].filter(([url]) => url.includes('/graphql-ide/'));
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const [url, encoding] of assets) expect([url, encoding]).toEqual([url, expect.stringMatching(/^(br|gzip)$/)]);
    expect(failures).toEqual([]);
  });

  it('serves the page uncached and each asset compressed, under a hashed name, cached for good', async () => {
    const page = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    expect(html).not.toMatch(/<script>|<style>|\son\w+=/); // CSP: no inline script or style
    const sources = [...html.matchAll(/(?:src|href)="(\/graphql-ide\/[^"]+)"/g)].map((m) => m[1]);
    expect(sources).toHaveLength(6);
    for (const source of sources) {
      expect(source).toMatch(/\/[\w-]+\.[0-9a-f]{12}\.(js|css)$/);
      const raw = await fetch(`${t.url}${source}`, { headers: { 'accept-encoding': 'identity' } });
      expect(raw.status).toBe(200);
      expect(raw.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(raw.headers.get('vary')).toBe('Accept-Encoding');
      expect(raw.headers.get('content-encoding')).toBeNull();
      const bytes = Buffer.from(await raw.arrayBuffer());
      // fetch decompresses what it gets: the same bytes back means the compressed body was right.
      for (const encoding of ['gzip', 'br']) {
        const compressed = await fetch(`${t.url}${source}`, { headers: { 'accept-encoding': `${encoding}, identity;q=0.5` } });
        expect(compressed.headers.get('content-encoding')).toBe(encoding);
        expect(Buffer.from(await compressed.arrayBuffer()).equals(bytes)).toBe(true);
      }
    }
    // Only the current names exist; nothing outside the list is read.
    expect((await fetch(`${t.url}/graphql-ide/graphiql.js`)).status).toBe(404);
    expect((await fetch(`${t.url}/graphql-ide/graphiql.000000000000.js`)).status).toBe(404);
  });

  it('preloads the daily tabs, and the starting one names no account', async () => {
    const { page } = await openConsole();
    await page.goto(`${t.url}/graphql`);
    await ideLoaded(page);
    const titles = await page.locator('.graphiql-tab').allTextContents();
    for (const title of ['WhoAmI', 'FindUser', 'IssueBackupCode', 'ResetTwoFactor', 'SecurityEvents', 'TwoFactorPolicy', 'SmtpSettings']) {
      expect(titles.join(' ')).toContain(title);
    }
    const firstQuery = await page.evaluate(() => {
      const element = document.querySelector('.graphiql-query-editor .CodeMirror');
      return element!.CodeMirror.getValue();
    });
    expect(firstQuery).toContain('query WhoAmI');
    expect(firstQuery).not.toMatch(/@|password/i);
  });

  it('signs the bootstrap admin in through the panel, sets the header, runs a tab, and signs out', async () => {
    const { page, failures } = await openConsole();
    await page.goto(`${t.url}/graphql`);
    await ideLoaded(page);
    expect(await headersText(page)).toBe('');

    // A wrong password: the contract's message, and the form stays.
    await signInThroughPanel(page, ADMIN_EMAIL, 'not-the-password');
    await page.waitForSelector('.twofold-error[data-code="INVALID_CREDENTIALS"]', WAIT);
    expect(await panel(page).textContent()).toContain('The email or password is incorrect.');

    await signInThroughPanel(page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await waitForStage(page, 'AUTHENTICATED');
    expect(await panel(page).textContent()).toContain(`Signed in as ${ADMIN_EMAIL}`);
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('twofold-console:session')!).token as string);
    expect(token).toMatch(/\S{20,}/);
    expect(JSON.parse(await headersText(page))).toEqual({ Authorization: `Bearer ${token}` });

    const found = await runTab(page, 'FindUser');
    expect(found.errors).toBeUndefined();
    expect(found.data.users.items.map((u: { email: string }) => u.email)).toContain(ADMIN_EMAIL);
    // Another tab gets the header when it is shown.
    const me = await runTab(page, 'WhoAmI');
    expect(me.data.me.email).toBe(ADMIN_EMAIL);
    expect(JSON.parse(await headersText(page))).toEqual({ Authorization: `Bearer ${token}` });

    // The token is in this tab's sessionStorage, never in localStorage (GraphiQL's history records headers).
    await page.waitForFunction(() => Object.keys(localStorage).some((k) => k.startsWith('graphiql:queries')), undefined, WAIT);
    const local = await page.evaluate(() => JSON.stringify({ ...localStorage }));
    expect(local).toContain('WhoAmI');
    expect(local).not.toContain(token);

    // A reload keeps the session (sessionStorage) and sets the header again.
    await page.reload();
    await waitForStage(page, 'AUTHENTICATED');
    await page.waitForFunction(() => true);
    await expect.poll(() => headersText(page), WAIT).toContain(token);

    await panel(page).getByRole('button', { name: 'Sign out' }).click();
    await waitForStage(page, 'SIGNED_OUT');
    expect(await headersText(page)).toBe('');
    expect(await page.evaluate(() => sessionStorage.getItem('twofold-console:session'))).toBeNull();
    expect(errorCode(await t.gql('{ me { id } }', {}, { token }))).toBe('UNAUTHENTICATED'); // signOut ran
    // The tab visited before is cleared too when shown again.
    await page.locator('.graphiql-tab', { hasText: 'FindUser' }).first().click();
    expect(await headersText(page)).toBe('');
    expect(failures).toEqual([]);
  });

  it('a user with 2FA: the emailed code through the panel, after a wrong one', async () => {
    // An agent with EMAIL on, enrolled through the API.
    const email = 'console-agent@example.com';
    await createUser(t, admin, { email, password: AGENT_PASSWORD });
    const agentToken = (await t.gql(`mutation($input: SignInInput!) { signIn(input: $input) { sessionToken } }`, { input: { email, password: AGENT_PASSWORD } })).data.signIn.sessionToken;
    const sent = smtp.countTo(email);
    expect((await t.gql(`mutation { startEmailEnrollment { sentTo } }`, {}, { token: agentToken })).errors).toBeUndefined();
    const enrollmentCode = sixDigitCode(await smtp.waitFor(email, { since: sent }));
    expect((await t.gql(`mutation($code: String!) { confirmEmailEnrollment(code: $code) { twoFactor { enabled } } }`, { code: enrollmentCode }, { token: agentToken })).errors).toBeUndefined();

    const { page, failures } = await openConsole();
    await page.goto(`${t.url}/graphql`);
    await ideLoaded(page);
    const before = smtp.messages.length;
    await signInThroughPanel(page, email, AGENT_PASSWORD);
    await waitForStage(page, 'PENDING_TWO_FACTOR');
    expect(await panel(page).textContent()).toMatch(/A code was sent to c\*+@example\.com/);
    const mail = await smtp.waitFor(email, { since: before });
    const code = sixDigitCode(mail);
    // The header is set only once the sign-in is complete.
    expect(await headersText(page)).toBe('');

    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    await panel(page).locator('input[name="code"]').fill(wrong);
    await panel(page).getByRole('button', { name: 'Verify' }).click();
    await page.waitForSelector('.twofold-error[data-code="INVALID_CODE"]', WAIT);
    expect(await panel(page).textContent()).toMatch(/Attempts remaining: 4/);

    await panel(page).locator('input[name="code"]').fill(code);
    await panel(page).getByRole('button', { name: 'Verify' }).click();
    await waitForStage(page, 'AUTHENTICATED');
    expect(await panel(page).textContent()).toContain(`Signed in as ${email}`);
    const me = await runTab(page, 'WhoAmI');
    expect(me.data.me).toMatchObject({ email, role: 'AGENT', twoFactor: { enabled: true, methods: ['EMAIL'] } });
    // An agent's admin tab answers the contract's FORBIDDEN, shown by GraphiQL as it came.
    const users = await runTab(page, 'FindUser');
    expect(users.errors?.[0].extensions.code).toBe('FORBIDDEN');

    // The session ends elsewhere (signed out from another client): the next run says so and the panel signs out.
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('twofold-console:session')!).token as string);
    expect((await t.gql('mutation { signOut }', {}, { token })).errors).toBeUndefined();
    const refused = await runTab(page, 'WhoAmI');
    expect(refused.errors?.[0].extensions.code).toBe('UNAUTHENTICATED');
    await waitForStage(page, 'SIGNED_OUT');
    expect(await panel(page).textContent()).toContain('The session has ended');
    expect(await headersText(page)).toBe('');
    expect(failures).toEqual([]);
  });

  it('PENDING_ENROLLMENT: the panel sets up the authenticator app, then signs in and shows the backup codes once', async () => {
    const email = 'console-new-agent@example.com';
    await createUser(t, admin, { email, password: AGENT_PASSWORD });
    // An admin signed in to the console before the policy changes.
    const adminConsole = await openConsole();
    await adminConsole.page.goto(`${t.url}/graphql`);
    await ideLoaded(adminConsole.page);
    await signInThroughPanel(adminConsole.page, ADMIN_EMAIL, ADMIN_PASSWORD);
    await waitForStage(adminConsole.page, 'AUTHENTICATED');

    // Last in this file: the requirement rises (as another admin, who has a method, would raise it; the
    // bootstrap admin has none, so the API refuses it from them) and open sessions short of a factor are demoted.
    const policies = t.app.get(PolicyService);
    const { updatedAt: _at, ...current } = await policies.get();
    const raised = await policies.save({ ...current, requirement: TwoFactorRequirement.REQUIRED_FOR_ALL }, t.clock.now());
    await t.app.get(PolicyAdminService).demoteSessionsFallingShort(raised);
    // Their next run answers ENROLLMENT_REQUIRED: the panel turns to the enrollment, and the header goes.
    const demoted = await runTab(adminConsole.page, 'FindUser');
    expect(demoted.errors?.[0].extensions.code).toBe('ENROLLMENT_REQUIRED');
    await waitForStage(adminConsole.page, 'PENDING_ENROLLMENT');
    expect(await panel(adminConsole.page).textContent()).toContain('requires two-factor authentication');
    expect(await headersText(adminConsole.page)).toBe('');
    expect(adminConsole.failures).toEqual([]);

    const { page, failures } = await openConsole();
    await page.goto(`${t.url}/graphql`);
    await ideLoaded(page);
    await signInThroughPanel(page, email, AGENT_PASSWORD);
    await waitForStage(page, 'PENDING_ENROLLMENT');
    expect(await headersText(page)).toBe('');
    await panel(page).getByRole('button', { name: 'Authenticator app' }).click();
    const secret = (await panel(page).locator('.twofold-secret').textContent({ timeout: 30_000 }))!;
    expect(await panel(page).locator('img.twofold-qr').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    await panel(page).locator('input[name="code"]').fill(oathtoolCode(secret, t.clock.now()));
    await panel(page).getByRole('button', { name: 'Confirm' }).click();
    await waitForStage(page, 'AUTHENTICATED');
    const codes = await panel(page).locator('.twofold-backup-codes li').allTextContents();
    expect(codes).toHaveLength(10);
    // Shown this once: not kept in sessionStorage.
    expect(await page.evaluate(() => sessionStorage.getItem('twofold-console:session'))).not.toContain(codes[0]);
    const me = await runTab(page, 'WhoAmI');
    expect(me.data.me.twoFactor).toMatchObject({ enabled: true, methods: ['AUTHENTICATOR_APP'] });
    expect(failures).toEqual([]);
  });
});
