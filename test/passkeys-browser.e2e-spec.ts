import { createServer } from 'node:net';
import { Browser, BrowserContext, CDPSession, chromium, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminToken, createUser, startTestApp, TestApp } from './support/app';

// The page's globals, as the functions given to page.evaluate see them (tests compile without the DOM library).
declare const navigator: { credentials: { create(o: unknown): Promise<any>; get(o: unknown): Promise<any> } };
declare const PublicKeyCredential: { parseCreationOptionsFromJSON(o: unknown): unknown; parseRequestOptionsFromJSON(o: unknown): unknown };

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const EMAIL = 'browser-passkey@example.com';
const PASSWORD = 'browser-passkey-password';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * In the page: one GraphQL request to this origin's /graphql, as a front-end makes it
 * (docs/frontend.md); throws the first error's code.
 */
async function gql(page: Page, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<any> {
  return page.evaluate(
    async ({ query, variables, token }) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      const body = (await response.json()) as { data?: any; errors?: Array<{ extensions?: { code?: string } }> };
      if (body.errors) throw new Error(`GraphQL error ${body.errors[0].extensions?.code}: ${JSON.stringify(body.errors)}`);
      return body.data;
    },
    { query, variables, token },
  );
}

/** In the page: navigator.credentials.create from the server's JSON options, and credential.toJSON(). */
function create(page: Page, options: unknown): Promise<any> {
  return page.evaluate(async (json) => {
    const credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(json) });
    return credential.toJSON();
  }, options);
}

/** In the page: navigator.credentials.get from the server's JSON options, and credential.toJSON(). */
function get(page: Page, options: unknown): Promise<any> {
  return page.evaluate(async (json) => {
    const credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(json) });
    return credential.toJSON();
  }, options);
}

/**
 * A real browser (Debian's chromium, headless, through playwright-core)
 * with a virtual authenticator of the Chrome DevTools Protocol, on a page of
 * this server's origin (http://localhost:PORT: an RP ID is a domain, never
 * an IP address). The server runs with no WebAuthn setting but the origin of
 * its port, as `npm start` does on port 3000.
 */
describe('passkeys in a real browser (virtual authenticator)', () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;

  beforeAll(async () => {
    const port = await freePort();
    t = await startTestApp({ env: { PORT: String(port), RATE_LIMITS: 'off' } });
    await createUser(t, await adminToken(t), { email: EMAIL, password: PASSWORD });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    context = await browser.newContext();
    page = await context.newPage();
    await page.goto(`http://localhost:${port}/health/live`);
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('enrolls a passkey with navigator.credentials.create, signs in with the password and the passkey, then with the passkey alone', async () => {
    const SIGN_IN = `mutation($input: SignInInput!) { signIn(input: $input) { stage sessionToken challenge { methods passkeyOptions } } }`;
    const signedIn = (await gql(page, SIGN_IN, { input: { email: EMAIL, password: PASSWORD } })).signIn;
    expect(signedIn.stage).toBe('AUTHENTICATED');

    const { options } = (await gql(page, `mutation { startPasskeyEnrollment { options } }`, {}, signedIn.sessionToken)).startPasskeyEnrollment;
    const registration = await create(page, options);
    const enrolled = (
      await gql(
        page,
        `mutation($c: JSON!) { confirmPasskeyEnrollment(credential: $c) { backupCodes twoFactor { methods passkeys { name passwordless } } } }`,
        { c: registration },
        signedIn.sessionToken,
      )
    ).confirmPasskeyEnrollment;
    expect(enrolled.backupCodes).toHaveLength(10);
    expect(enrolled.twoFactor.methods).toEqual(['PASSKEY']);
    expect(enrolled.twoFactor.passkeys).toEqual([{ name: expect.stringMatching(/^Passkey on .*Chrome/), passwordless: true }]);

    // Password, then the passkey as the second factor.
    const pending = (await gql(page, SIGN_IN, { input: { email: EMAIL, password: PASSWORD } })).signIn;
    expect(pending.stage).toBe('PENDING_TWO_FACTOR');
    expect(pending.challenge.methods).toContain('PASSKEY');
    const assertion = await get(page, pending.challenge.passkeyOptions);
    const verified = (
      await gql(page, `mutation($c: JSON) { verifyTwoFactor(input: { method: PASSKEY, credential: $c }) { stage user { email } } }`, { c: assertion }, pending.sessionToken)
    ).verifyTwoFactor;
    expect(verified).toEqual({ stage: 'AUTHENTICATED', user: { email: EMAIL } });

    // Passwordless: no allowCredentials, the authenticator offers its discoverable passkey.
    const started = (await gql(page, `mutation { startPasskeySignIn { challengeId options } }`)).startPasskeySignIn;
    const discovered = await get(page, started.options);
    expect(discovered.response.userHandle).toBeTruthy();
    const passwordless = (
      await gql(page, `mutation($input: PasskeySignInInput!) { signInWithPasskey(input: $input) { stage user { email } } }`, {
        input: { challengeId: started.challengeId, credential: discovered },
      })
    ).signInWithPasskey;
    expect(passwordless).toEqual({ stage: 'AUTHENTICATED', user: { email: EMAIL } });
  });

  it("the console's sign-in panel answers the challenge with the passkey", async () => {
    const port = new URL(page.url()).port;
    await page.goto(`http://localhost:${port}/graphql`, { waitUntil: 'networkidle' });
    const panel = page.locator('.twofold-panel');
    await page.waitForSelector('.twofold-panel form[aria-label="Sign in"]', { timeout: 30_000 });
    await panel.locator('input[name="email"]').fill(EMAIL);
    await panel.locator('input[name="password"]').fill(PASSWORD);
    await panel.locator('button[type="submit"]').click();
    await page.waitForSelector('.twofold-panel[data-stage="PENDING_TWO_FACTOR"]', { timeout: 30_000 });
    await panel.locator('input[name="method"][value="PASSKEY"]').check();
    await panel.locator('button[type="submit"]', { hasText: 'Verify' }).click();
    await page.waitForSelector('.twofold-panel[data-stage="AUTHENTICATED"]', { timeout: 30_000 });
  });
});
