// The Twofold console: GraphiQL (self-hosted) with a sign-in panel.
//
// The panel runs signIn, the second factor (or the enrollment the policy
// demands) and cancelSignIn, then writes `Authorization: Bearer <token>` into
// the Headers editor of every tab as it is shown; signing out calls signOut
// and takes the header away again. The token is kept in this browser tab's
// sessionStorage only (so a reload keeps the session and closing the tab
// forgets it): GraphiQL is told not to persist headers, and the storage it is
// given drops any headers it would still write to localStorage (its history
// records them).
//
// Plain browser JavaScript, no build step: React and GraphiQL are the UMD
// globals loaded before this file, and the server prepends
// `window.TWOFOLD_CONSOLE` (the preloaded tabs and the panel's GraphQL
// documents, both checked against schema.gql by src/graphql/ide-tabs.spec.ts).
(function () {
  'use strict';

  const h = React.createElement;
  const { useEffect, useState, useSyncExternalStore } = React;
  const UI = GraphiQL.React;
  const { tabs: TABS, documents: DOCS } = window.TWOFOLD_CONSOLE;
  const ENDPOINT = window.location.pathname;
  const SESSION_KEY = 'twofold-console:session';

  // ---------------------------------------------------------------- methods

  /**
   * How the panel answers each second-factor method the challenge offers.
   * `code`: a text field, sent with verifyTwoFactor(method, code).
   * `verify(session, remember)`: answers without a code and returns the
   * AuthPayload (PASSKEY: reads the pending sign-in's passkeyOptions, calls
   * navigator.credentials.get with PublicKeyCredential.parseRequestOptionsFromJSON,
   * and sends credential.toJSON() with verifyTwoFactor(method: PASSKEY, credential)).
   * Methods with no entry are listed as not supported in this console.
   */
  const SECOND_FACTORS = {
    EMAIL: { label: 'Code sent by email', code: true, placeholder: '6 digits', numeric: true },
    AUTHENTICATOR_APP: { label: 'Authenticator app', code: true, placeholder: '6 digits', numeric: true },
    BACKUP_CODE: { label: 'Backup code', code: true, placeholder: 'xxxxx-xxxxx', numeric: false },
    PASSKEY: { label: 'Passkey or security key', verify: verifyWithPasskey },
  };

  /** The browser's own refusal of a passkey request, as an error the panel shows. */
  function browserRefusal(error) {
    const cancelled = error && error.name === 'NotAllowedError';
    return new ApiError({
      message: cancelled ? 'The passkey request was cancelled or timed out. Try again, or choose another method.' : 'This browser could not use a passkey here.',
      extensions: { code: 'PASSKEY_REFUSED_BY_BROWSER' },
    });
  }

  /** PASSKEY: fresh options (each answers once), the browser's ceremony, then verifyTwoFactor with the credential. */
  async function verifyWithPasskey(session, remember) {
    if (!window.PublicKeyCredential || typeof PublicKeyCredential.parseRequestOptionsFromJSON !== 'function') {
      throw new ApiError({ message: 'This browser cannot use passkeys (or the page is not on a secure origin).', extensions: { code: 'METHOD_NOT_AVAILABLE' } });
    }
    const { currentSession } = await call(DOCS.passkeyOptions, {}, session.token);
    const options = currentSession.challenge && currentSession.challenge.passkeyOptions;
    if (!options) throw new ApiError({ message: 'This sign-in offers no passkey.', extensions: { code: 'METHOD_NOT_AVAILABLE' } });
    let credential;
    try {
      credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
    } catch (error) {
      throw browserRefusal(error);
    }
    const input = { method: 'PASSKEY', credential: credential.toJSON(), rememberDevice: remember };
    const { verifyTwoFactor } = await call(DOCS.verifyTwoFactor, { input }, session.token);
    return verifyTwoFactor;
  }

  // ---------------------------------------------------------------- session store

  function readStoredSession() {
    try {
      const stored = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
      return stored && typeof stored.token === 'string' ? stored : null;
    } catch (e) {
      return null;
    }
  }

  const SIGNED_OUT = { stage: 'SIGNED_OUT' };
  const listeners = new Set();
  /** Every token this page has held: only those are taken out of a tab's headers (one typed by hand stays). */
  const knownTokens = new Set();
  let session = readStoredSession() || SIGNED_OUT;
  if (session.token) knownTokens.add(session.token);

  const store = {
    get: () => session,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Replaces the state; only the token, stage, user and challenge are kept (in this tab's sessionStorage). */
    set(next) {
      session = next;
      if (next.token) knownTokens.add(next.token);
      try {
        if (next.token) {
          const { stage, token, user, email, challenge } = next;
          sessionStorage.setItem(SESSION_KEY, JSON.stringify({ stage, token, user, email, challenge }));
        } else {
          sessionStorage.removeItem(SESSION_KEY);
        }
      } catch (e) {
        // Storage refused (private mode): the session lasts as long as the page.
      }
      listeners.forEach((listener) => listener());
    },
    signedOut(notice, error) {
      store.set({ stage: 'SIGNED_OUT', notice, error });
    },
  };

  const useSession = () => useSyncExternalStore(store.subscribe, store.get);

  // ---------------------------------------------------------------- API

  /** An error of the contract: message, extensions.code and the keys it may carry. */
  class ApiError extends Error {
    constructor(graphqlError) {
      super(graphqlError.message || 'The request failed.');
      const extensions = graphqlError.extensions || {};
      this.code = extensions.code || 'INTERNAL_SERVER_ERROR';
      this.field = extensions.field;
      this.attemptsRemaining = extensions.attemptsRemaining;
      this.retryAt = typeof extensions.retryAfterSeconds === 'number' ? Date.now() + extensions.retryAfterSeconds * 1000 : undefined;
    }
  }

  async function call(document, variables, token) {
    const headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    let body;
    try {
      const response = await fetch(ENDPOINT, {
        method: 'POST',
        headers,
        credentials: 'same-origin',
        body: JSON.stringify({ query: document, variables: variables || {} }),
      });
      body = await response.json().catch(() => ({ errors: [{ message: `The server answered ${response.status}.` }] }));
    } catch (e) {
      throw new ApiError({ message: 'The server could not be reached.', extensions: { code: 'NETWORK_ERROR' } });
    }
    if (body.errors && body.errors.length > 0) throw new ApiError(body.errors[0]);
    return body.data;
  }

  /** A new session from signIn, verifyTwoFactor or an enrollment: the state the panel moves to. */
  function stateFor(payload, email) {
    const user = payload.user || null;
    return {
      stage: payload.stage,
      token: payload.sessionToken,
      user,
      email: (user && user.email) || email,
      challenge: payload.challenge || null,
    };
  }

  /** A token the server no longer knows: back to the sign-in form, saying why. */
  function endedBy(error) {
    if (error.code === 'UNAUTHENTICATED') {
      store.signedOut('The session has ended (it expired, or was signed out elsewhere). Sign in again.');
      return true;
    }
    if (error.code === 'ACCOUNT_LOCKED' || error.code === 'ACCOUNT_DISABLED') {
      store.signedOut(null, error);
      return true;
    }
    return false;
  }

  // On load: is the stored session still alive, and at which stage?
  async function refreshStoredSession() {
    const stored = store.get();
    if (!stored.token) return;
    try {
      const { currentSession } = await call(DOCS.currentSession, {}, stored.token);
      const next = { ...stored, stage: currentSession.stage, challenge: currentSession.challenge || null };
      if (currentSession.stage !== 'PENDING_TWO_FACTOR') next.user = (await call(DOCS.me, {}, stored.token)).me;
      store.set(next);
    } catch (error) {
      if (!endedBy(error)) store.set({ ...stored, error });
    }
  }

  // ---------------------------------------------------------------- time

  function useNow() {
    const [now, setNow] = useState(Date.now());
    useEffect(() => {
      const timer = setInterval(() => setNow(Date.now()), 1000);
      return () => clearInterval(timer);
    }, []);
    return now;
  }

  function secondsUntil(at, now) {
    if (!at) return 0;
    const time = typeof at === 'number' ? at : Date.parse(at);
    return Math.max(0, Math.ceil((time - now) / 1000));
  }

  function duration(seconds) {
    const minutes = Math.floor(seconds / 60);
    return minutes > 0 ? `${minutes} min ${String(seconds % 60).padStart(2, '0')} s` : `${seconds} s`;
  }

  // ---------------------------------------------------------------- small pieces

  function ErrorNotice({ error, now }) {
    if (!error) return null;
    const wait = secondsUntil(error.retryAt, now);
    return h(
      'div',
      { className: 'twofold-error', role: 'alert', 'data-code': error.code },
      h('strong', null, error.message),
      h('div', { className: 'twofold-muted' }, error.code, error.field ? ` · field: ${error.field}` : ''),
      typeof error.attemptsRemaining === 'number' ? h('div', null, `Attempts remaining: ${error.attemptsRemaining}`) : null,
      error.retryAt ? h('div', { className: 'twofold-retry' }, wait > 0 ? `Try again in ${duration(wait)}.` : 'You can try again now.') : null,
    );
  }

  function Field({ label, ...input }) {
    return h('label', { className: 'twofold-field' }, h('span', null, label), h('input', { className: 'twofold-input', ...input }));
  }

  function Button({ primary, ...props }) {
    return h('button', { type: 'button', className: `twofold-button${primary ? ' twofold-primary' : ''}`, ...props });
  }

  /** Runs one panel action: busy while it runs, errors shown, sessions that ended handled. */
  function useAction() {
    const [busy, setBusy] = useState(false);
    const [error, setError] = useState(null);
    const run = async (action) => {
      setBusy(true);
      setError(null);
      try {
        await action();
      } catch (e) {
        const apiError = e instanceof ApiError ? e : new ApiError({ message: String(e && e.message) });
        if (!endedBy(apiError)) setError(apiError);
      } finally {
        setBusy(false);
      }
    };
    return { busy, error, setError, run };
  }

  // ---------------------------------------------------------------- stages

  function SignInForm({ state, now }) {
    const [email, setEmail] = useState(state.email || '');
    const [password, setPassword] = useState('');
    const action = useAction();
    const error = action.error || state.error;
    const waiting = error && secondsUntil(error.retryAt, now) > 0;
    const submit = (event) => {
      event.preventDefault();
      action.run(async () => {
        const { signIn } = await call(DOCS.signIn, { input: { email, password } });
        setPassword('');
        store.set(stateFor(signIn, email));
      });
    };
    return h(
      'form',
      { onSubmit: submit, className: 'twofold-form', 'aria-label': 'Sign in' },
      state.notice ? h('p', { className: 'twofold-notice' }, state.notice) : null,
      h(Field, { label: 'Email', name: 'email', type: 'email', autoComplete: 'username', required: true, value: email, onChange: (e) => setEmail(e.target.value) }),
      h(Field, { label: 'Password', name: 'password', type: 'password', autoComplete: 'current-password', required: true, value: password, onChange: (e) => setPassword(e.target.value) }),
      h(ErrorNotice, { error, now }),
      h('button', { type: 'submit', className: 'twofold-button twofold-primary', disabled: action.busy || waiting }, action.busy ? 'Signing in…' : 'Sign in'),
      h('p', { className: 'twofold-muted' }, 'The token is set in the Headers of each tab for you, and kept in this browser tab only.'),
    );
  }

  function CancelButton({ state, action }) {
    return h(Button, {
      disabled: action.busy,
      onClick: () =>
        action.run(async () => {
          try {
            await call(DOCS.cancelSignIn, {}, state.token);
          } catch (e) {
            // Already over (expired, locked): cancelled either way.
          }
          store.signedOut('Sign-in cancelled.');
        }),
    }, 'Cancel');
  }

  function SecondFactor({ state, now }) {
    const challenge = state.challenge || { methods: [] };
    const offered = challenge.methods || [];
    const initial = challenge.emailSentTo && offered.includes('EMAIL') ? 'EMAIL' : offered.find((m) => SECOND_FACTORS[m]) || offered[0];
    const [method, setMethod] = useState(initial);
    const [code, setCode] = useState('');
    const [remember, setRemember] = useState(false);
    const action = useAction();
    const handler = SECOND_FACTORS[method];
    const cooldown = secondsUntil(action.error && action.error.retryAt, now) || secondsUntil(challenge.retryAvailableAt, now);
    const resendIn = secondsUntil(challenge.resendAvailableAt, now);
    const rememberDevice = challenge.rememberDeviceDays != null && remember;

    const finish = (payload) => store.set(stateFor(payload, state.email));
    const verify = (event) => {
      event.preventDefault();
      action.run(async () => {
        try {
          if (handler && handler.verify) return finish(await handler.verify(state, rememberDevice));
          const { verifyTwoFactor } = await call(DOCS.verifyTwoFactor, { input: { method, code, rememberDevice } }, state.token);
          finish(verifyTwoFactor);
        } catch (error) {
          // Keep the challenge's own numbers in step with the answer.
          const update = {};
          if (typeof error.attemptsRemaining === 'number') update.attemptsRemaining = error.attemptsRemaining;
          if (error.retryAt) update.retryAvailableAt = new Date(error.retryAt).toISOString();
          if (Object.keys(update).length > 0) store.set({ ...store.get(), challenge: { ...challenge, ...update } });
          setCode('');
          throw error;
        }
      });
    };
    const resend = () =>
      action.run(async () => {
        const { resendTwoFactorCode } = await call(DOCS.resendTwoFactorCode, {}, state.token);
        store.set({ ...store.get(), challenge: resendTwoFactorCode });
        setMethod('EMAIL');
      });

    return h(
      'form',
      { onSubmit: verify, className: 'twofold-form', 'aria-label': 'Second factor' },
      h('p', null, 'Second factor for ', h('strong', null, state.email || 'this account'), '.'),
      challenge.emailSentTo ? h('p', null, `A code was sent to ${challenge.emailSentTo}.`) : null,
      h(
        'fieldset',
        { className: 'twofold-methods' },
        h('legend', null, 'Method'),
        offered.map((m) =>
          h(
            'label',
            { key: m },
            h('input', { type: 'radio', name: 'method', value: m, checked: method === m, disabled: !SECOND_FACTORS[m], onChange: () => setMethod(m) }),
            ' ',
            SECOND_FACTORS[m] ? SECOND_FACTORS[m].label : `${m} (not supported in this console yet)`,
          ),
        ),
      ),
      handler && handler.code
        ? h(Field, {
            label: 'Code',
            name: 'code',
            value: code,
            required: true,
            autoComplete: 'one-time-code',
            inputMode: handler.numeric ? 'numeric' : 'text',
            placeholder: handler.placeholder,
            onChange: (e) => setCode(e.target.value),
          })
        : null,
      challenge.rememberDeviceDays != null
        ? h(
            'label',
            { className: 'twofold-check' },
            h('input', { type: 'checkbox', checked: remember, onChange: (e) => setRemember(e.target.checked) }),
            ` Don't ask again on this browser for ${challenge.rememberDeviceDays} days`,
          )
        : null,
      action.error && typeof action.error.attemptsRemaining === 'number' ? null : h('p', { className: 'twofold-muted' }, `Attempts remaining: ${challenge.attemptsRemaining}`),
      h(ErrorNotice, { error: action.error, now }),
      cooldown > 0 && !(action.error && action.error.retryAt) ? h('p', { className: 'twofold-retry' }, `Try again in ${duration(cooldown)}.`) : null,
      h(
        'div',
        { className: 'twofold-row' },
        h('button', { type: 'submit', className: 'twofold-button twofold-primary', disabled: action.busy || cooldown > 0 || !handler }, 'Verify'),
        offered.includes('EMAIL')
          ? h(Button, { onClick: resend, disabled: action.busy || resendIn > 0 }, resendIn > 0 ? `Resend code (${duration(resendIn)})` : 'Resend code')
          : null,
        h(CancelButton, { state, action }),
      ),
    );
  }

  function Enrollment({ state, now }) {
    const [started, setStarted] = useState(null); // { method, sentTo?, secret?, qrCodeDataUrl?, resendAvailableAt? }
    const [code, setCode] = useState('');
    const action = useAction();
    const start = (method) =>
      action.run(async () => {
        if (method === 'EMAIL') {
          const { startEmailEnrollment } = await call(DOCS.startEmailEnrollment, {}, state.token);
          setStarted({ method, ...startEmailEnrollment });
        } else {
          const { startAuthenticatorEnrollment } = await call(DOCS.startAuthenticatorEnrollment, {}, state.token);
          setStarted({ method, ...startAuthenticatorEnrollment });
        }
      });
    const confirm = (event) => {
      event.preventDefault();
      action.run(async () => {
        const document = started.method === 'EMAIL' ? DOCS.confirmEmailEnrollment : DOCS.confirmAuthenticatorEnrollment;
        const data = await call(document, { code }, state.token);
        const result = data.confirmEmailEnrollment || data.confirmAuthenticatorEnrollment;
        setCode('');
        if (!result.session) throw new ApiError({ message: 'The enrollment returned no session. Sign in again.' });
        store.set({ ...stateFor(result.session, state.email), backupCodes: result.backupCodes });
      });
    };
    const resend = () =>
      action.run(async () => {
        const { resendEmailEnrollmentCode } = await call(DOCS.resendEmailEnrollmentCode, {}, state.token);
        setStarted({ method: 'EMAIL', ...resendEmailEnrollmentCode });
      });
    const resendIn = started && secondsUntil(started.resendAvailableAt, now);

    return h(
      'div',
      { className: 'twofold-form', 'aria-label': 'Set up two-factor authentication' },
      h('p', null, 'The security policy requires two-factor authentication for ', h('strong', null, state.email || 'this account'), '. Set up a method to continue.'),
      !started
        ? h(
            'div',
            { className: 'twofold-row' },
            h(Button, { primary: true, disabled: action.busy, onClick: () => start('AUTHENTICATOR_APP') }, 'Authenticator app'),
            h(Button, { disabled: action.busy, onClick: () => start('EMAIL') }, 'Email code'),
          )
        : h(
            'form',
            { onSubmit: confirm },
            started.method === 'EMAIL'
              ? h('p', null, `A code was sent to ${started.sentTo}.`)
              : h(
                  'div',
                  null,
                  h('p', null, 'Scan this code with your authenticator app, or type the secret in it:'),
                  h('img', { className: 'twofold-qr', src: started.qrCodeDataUrl, alt: 'QR code of the authenticator secret' }),
                  h('code', { className: 'twofold-secret' }, started.secret),
                ),
            h(Field, { label: 'Code', name: 'code', value: code, required: true, autoComplete: 'one-time-code', inputMode: 'numeric', placeholder: '6 digits', onChange: (e) => setCode(e.target.value) }),
            h(ErrorNotice, { error: action.error, now }),
            h(
              'div',
              { className: 'twofold-row' },
              h('button', { type: 'submit', className: 'twofold-button twofold-primary', disabled: action.busy || secondsUntil(action.error && action.error.retryAt, now) > 0 }, 'Confirm'),
              started.method === 'EMAIL' ? h(Button, { onClick: resend, disabled: action.busy || resendIn > 0 }, resendIn > 0 ? `Resend code (${duration(resendIn)})` : 'Resend code') : null,
              h(Button, { onClick: () => { setStarted(null); action.setError(null); } }, 'Other method'),
            ),
          ),
      !started ? h(ErrorNotice, { error: action.error, now }) : null,
      h('div', { className: 'twofold-row' }, h(CancelButton, { state, action })),
    );
  }

  function SignedIn({ state }) {
    const action = useAction();
    const signOut = () =>
      action.run(async () => {
        try {
          await call(DOCS.signOut, {}, state.token);
        } catch (e) {
          // Already over (expired, revoked): signed out either way.
        }
        store.signedOut('Signed out. The Authorization header was removed.');
      });
    const user = state.user || {};
    return h(
      'div',
      { className: 'twofold-form' },
      h('p', { className: 'twofold-signed-in' }, 'Signed in as ', h('strong', null, user.email || state.email), user.role ? ` (${user.role})` : ''),
      h('p', { className: 'twofold-muted' }, 'Every tab sends this session in its Authorization header. Pick a tab above and run it.'),
      state.backupCodes
        ? h(
            'div',
            { className: 'twofold-backup-codes' },
            h('p', null, h('strong', null, 'Your backup codes.'), ' Each works once if you lose your second factor. They are shown this once: save them now.'),
            h('ul', null, state.backupCodes.map((c) => h('li', { key: c }, h('code', null, c)))),
            h(Button, { onClick: () => store.set({ ...store.get(), backupCodes: undefined }) }, 'I saved them'),
          )
        : null,
      h(ErrorNotice, { error: action.error || state.error, now: Date.now() }),
      h(Button, { primary: true, onClick: signOut, disabled: action.busy }, 'Sign out'),
    );
  }

  function SignInPanel() {
    const state = useSession();
    const now = useNow();
    let body;
    if (state.stage === 'PENDING_TWO_FACTOR') body = h(SecondFactor, { key: state.token, state, now });
    else if (state.stage === 'PENDING_ENROLLMENT') body = h(Enrollment, { key: state.token, state, now });
    else if (state.stage === 'AUTHENTICATED') body = h(SignedIn, { key: state.token, state });
    else body = h(SignInForm, { state, now });
    return h('div', { className: 'twofold-panel', 'data-stage': state.stage }, h('div', { className: 'graphiql-doc-explorer-title' }, 'Sign in'), body);
  }

  function KeyIcon(props) {
    return h(
      'svg',
      { viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', strokeWidth: 1.5, 'aria-hidden': 'true', ...props },
      h('circle', { cx: 8, cy: 15, r: 4 }),
      h('path', { d: 'M11 12l9-9M16 7l3 3M14 9l2 2' }),
    );
  }

  const SIGN_IN_PLUGIN = { title: 'Sign in', icon: KeyIcon, content: SignInPanel };

  // ---------------------------------------------------------------- the Authorization header

  /**
   * Puts `Authorization: Bearer <token>` in the headers text (token null:
   * takes out any this page set). Text that is not a JSON object is left
   * alone: someone is typing in it.
   */
  function withAuthorization(text, token) {
    let headers;
    try {
      headers = text.trim() ? JSON.parse(text) : {};
    } catch (e) {
      return text;
    }
    if (!headers || typeof headers !== 'object' || Array.isArray(headers)) return text;
    const wanted = token ? `Bearer ${token}` : null;
    const next = {};
    let changed = false;
    for (const [name, value] of Object.entries(headers)) {
      const isAuthorization = name.toLowerCase() === 'authorization';
      const ours = isAuthorization && typeof value === 'string' && knownTokens.has(value.replace(/^Bearer\s+/i, ''));
      if (isAuthorization && (token ? value !== wanted || name !== 'Authorization' : ours)) {
        changed = true;
        continue;
      }
      next[name] = value;
    }
    if (wanted && next.Authorization !== wanted) {
      next.Authorization = wanted;
      changed = true;
    }
    if (!changed) return text;
    return Object.keys(next).length > 0 ? JSON.stringify(next, null, 2) : '';
  }

  /**
   * Keeps the Headers editor of the tab on screen in step with the panel:
   * when the session changes, and whenever GraphiQL itself replaces the text
   * (switching tabs, a new tab, a history entry). What the admin types is
   * left as typed.
   */
  function AuthorizationSync() {
    const state = useSession();
    const { headerEditor } = UI.useEditorContext({ nonNull: true });
    const plugins = UI.usePluginContext();
    const token = state.stage === 'AUTHENTICATED' ? state.token : null;

    useEffect(() => {
      if (!headerEditor) return undefined;
      const sync = () => {
        const current = store.get();
        const text = headerEditor.getValue();
        const next = withAuthorization(text, current.stage === 'AUTHENTICATED' ? current.token : null);
        if (next !== text) headerEditor.setValue(next);
      };
      sync();
      let timer = null;
      const onChange = (_editor, change) => {
        if (change.origin !== 'setValue') return;
        clearTimeout(timer);
        timer = setTimeout(sync, 0); // not from inside CodeMirror's own change
      };
      headerEditor.on('change', onChange);
      return () => {
        clearTimeout(timer);
        headerEditor.off('change', onChange);
      };
    }, [headerEditor, token]);

    const label = token ? `Signed in as ${(state.user && state.user.email) || state.email}` : 'Sign in';
    return h(UI.ToolbarButton, { label, onClick: () => plugins && plugins.setVisiblePlugin(SIGN_IN_PLUGIN) }, h(KeyIcon, { className: 'graphiql-toolbar-icon' }));
  }

  /** GraphiQL's fetcher, noticing when a run is refused because the panel's session has ended. */
  const baseFetcher = GraphiQL.createFetcher({ url: ENDPOINT });
  function fetcher(params, options) {
    const result = baseFetcher(params, options);
    const current = store.get();
    const sent = options && options.headers && Object.entries(options.headers).find(([name]) => name.toLowerCase() === 'authorization');
    if (!current.token || !sent || sent[1] !== `Bearer ${current.token}`) return result;
    const check = (part) => {
      const errors = [].concat(part).flatMap((item) => (item && Array.isArray(item.errors) ? item.errors : []));
      const codes = errors.map((e) => e.extensions && e.extensions.code);
      const now = store.get();
      if (now.token !== current.token) return;
      if (codes.includes('UNAUTHENTICATED')) {
        store.signedOut('The session has ended (it expired, or was signed out elsewhere). Sign in again.');
      } else if (codes.includes('ENROLLMENT_REQUIRED') && now.stage === 'AUTHENTICATED') {
        // The policy now requires 2FA of this account: the same token may only enroll.
        store.set({ ...now, stage: 'PENDING_ENROLLMENT' });
      }
    };
    return Promise.resolve(result).then((value) => {
      // GraphiQL's fetcher answers with an async iterable (it accepts incremental delivery) or a plain result.
      if (value && typeof value[Symbol.asyncIterator] === 'function') {
        return (async function* () {
          for await (const part of value) {
            check(part);
            yield part;
          }
        })();
      }
      check(value);
      return value;
    });
  }

  // ---------------------------------------------------------------- GraphiQL's storage

  /**
   * localStorage for GraphiQL's tabs and history, minus headers: with
   * shouldPersistHeaders false GraphiQL still records each run's headers in
   * its history, and a token must never reach localStorage.
   */
  const PREFIX = 'graphiql:';
  const HEADER_FREE_KEYS = new Set(['graphiql:tabState', 'graphiql:queries', 'graphiql:favorites']);
  function withoutHeaders(key, value) {
    if (!HEADER_FREE_KEYS.has(key)) return value;
    try {
      return JSON.stringify(JSON.parse(value), (name, inner) => (name === 'headers' ? null : inner));
    } catch (e) {
      return value;
    }
  }
  function localKeys() {
    const keys = [];
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (key && key.startsWith(PREFIX)) keys.push(key);
    }
    return keys;
  }
  const storage = {
    getItem: (key) => localStorage.getItem(key),
    setItem(key, value) {
      if (key === 'graphiql:headers') return localStorage.removeItem(key);
      localStorage.setItem(key, withoutHeaders(key, value));
    },
    removeItem: (key) => localStorage.removeItem(key),
    clear: () => localKeys().forEach((key) => localStorage.removeItem(key)),
    get length() {
      return localKeys().length;
    },
  };

  /** A fingerprint of the preloaded tabs: when they change, the stored tabs give way to the new ones. */
  function fingerprint(text) {
    let hash = 5381;
    for (let i = 0; i < text.length; i++) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0;
    return hash.toString(36);
  }

  function prepareStorage() {
    try {
      // What an earlier console stored: history with headers (tokens pasted by hand), tabs of another set.
      localKeys().forEach((key) => {
        if (key === 'graphiql:headers') localStorage.removeItem(key);
        else if (HEADER_FREE_KEYS.has(key)) localStorage.setItem(key, withoutHeaders(key, localStorage.getItem(key)));
      });
      const version = fingerprint(JSON.stringify(TABS));
      if (localStorage.getItem('twofold-console:tabs') !== version) {
        ['tabState', 'query', 'variables', 'operationName'].forEach((name) => localStorage.removeItem(PREFIX + name));
        localStorage.setItem('twofold-console:tabs', version);
      }
      return storage;
    } catch (e) {
      return null; // no localStorage: GraphiQL keeps everything in memory
    }
  }

  // ---------------------------------------------------------------- start

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    h(GraphiQL, {
      fetcher,
      defaultTabs: TABS,
      shouldPersistHeaders: false,
      storage: prepareStorage(),
      plugins: [SIGN_IN_PLUGIN],
      visiblePlugin: SIGN_IN_PLUGIN,
      toolbar: { additionalComponent: AuthorizationSync },
    }),
  );
  refreshStoredSession();
})();
