// The application's own code, loaded from the build (dist/), used by the
// bench to seed rows exactly as the services write them.
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
export const ROOT = join(import.meta.dirname, '..', '..');
const dist = (path) => require(join(ROOT, 'dist', path));

export function loadDist() {
  return {
    createApp: dist('src/bootstrap.js').createApp,
    loadConfig: dist('src/config/app-config.js').loadConfig,
    totp: dist('libs/totp/src/index.js'),
    Role: dist('src/common/auth/role.js').Role,
    SessionStage: dist('src/common/auth/session-stage.js').SessionStage,
    UserEntity: dist('src/modules/users/entities/user.entity.js').UserEntity,
    PasswordHasher: dist('src/modules/users/password-hasher.service.js').PasswordHasher,
    SessionsService: dist('src/modules/auth/sessions.service.js').SessionsService,
    SignInFlow: dist('src/modules/auth/sign-in-flow.js').SignInFlow,
    optional: {
      // Present once the enrollment and challenge issues have landed.
      AuthenticatorSecretEntity: tryDist('src/modules/methods/authenticator/authenticator-secret.entity.js', 'AuthenticatorSecretEntity'),
      AuthenticatorSecretsService: tryDist('src/modules/methods/authenticator/authenticator-secrets.service.js', 'AuthenticatorSecretsService'),
      UserMethodEntity: tryDist('src/modules/methods/user-methods/user-method.entity.js', 'UserMethodEntity'),
    },
  };
}

function tryDist(path, name) {
  try {
    return dist(path)[name] ?? null;
  } catch {
    return null;
  }
}

/**
 * A second copy of the application inside the bench process, never
 * listening: it runs the migrations and writes bench users, TOTP
 * enrollments and sessions through the app's services and entities.
 */
export async function startSeeder(env) {
  const d = loadDist();
  const config = d.loadConfig({ ...env, LOG_LEVEL: 'error', MAIL_POLL_MS: '60000' });
  const app = await d.createApp(config, { logger: false, schemaFile: true });
  await app.init();
  const dataSource = app.get(require('typeorm').DataSource);
  const get = (token) => app.get(token, { strict: false });
  const client = { ip: '127.0.0.1', userAgent: 'twofold-bench' };

  const passwordHash = await get(d.PasswordHasher).hash(BENCH_PASSWORD);
  const totpReady = Boolean(d.optional.AuthenticatorSecretEntity && d.optional.AuthenticatorSecretsService && d.optional.UserMethodEntity);

  return {
    d,
    app,
    dataSource,
    passwordHash,
    totpReady,

    /** Users sharing one password hash (argon2 per user would take minutes); `totp` ones with an enrolled authenticator app. */
    async createUsers(prefix, count, { totp = false, role = d.Role.AGENT } = {}) {
      const users = [];
      const now = new Date();
      for (let start = 0; start < count; start += 1000) {
        const batch = [];
        for (let i = start; i < Math.min(count, start + 1000); i++) {
          const id = crypto.randomUUID();
          batch.push({ id, email: `${prefix}${i}@bench.example`, passwordHash, displayName: `Bench ${prefix}${i}`, role, twoFactorEnabled: totp, createdAt: now, updatedAt: now });
        }
        // Through the query builder without read-back: Repository.insert of several rows writes the rows it
        // reads back into the objects by position, in primary-key order (TypeORM 1.1), which swaps random ids.
        await dataSource.getRepository(d.UserEntity).createQueryBuilder().insert().values(batch).updateEntity(false).execute();
        if (totp) {
          const secrets = get(d.optional.AuthenticatorSecretsService);
          const enrolled = batch.map((u) => ({ user: u, secret: d.totp.generateTotpSecret() }));
          await dataSource
            .getRepository(d.optional.AuthenticatorSecretEntity)
            .insert(enrolled.map(({ user, secret }) => ({ userId: user.id, sealedSecret: secrets.seal(user.id, secret), lastUsedStep: null, createdAt: now })));
          await dataSource
            .getRepository(d.optional.UserMethodEntity)
            .insert(enrolled.map(({ user }) => ({ userId: user.id, method: 'AUTHENTICATOR_APP', enabledAt: now, preferred: 1 })));
          for (const { user, secret } of enrolled) users.push({ id: user.id, email: user.email, secret });
        } else {
          for (const user of batch) users.push({ id: user.id, email: user.email });
        }
      }
      return users;
    },

    /** AUTHENTICATED sessions, as SessionsService opens them; returns the bearer tokens. */
    async openSessions(users) {
      const sessions = get(d.SessionsService);
      return mapLimit(users, 16, async (u) => (await sessions.open(u.id, d.SessionStage.AUTHENTICATED, client)).token);
    },

    /**
     * Pending sign-ins, exactly as signIn leaves them after a right password
     * (the SignInFlow of the challenge module): one PENDING_TWO_FACTOR token
     * per TOTP user.
     */
    async openPendingSignIns(users) {
      const flow = get(d.SignInFlow);
      const repo = dataSource.getRepository(d.UserEntity);
      return mapLimit(users, 16, async (u) => {
        const entity = await repo.findOneByOrFail({ id: u.id });
        const payload = await flow.afterPassword(entity, { client, trustedDeviceToken: null });
        if (payload.stage !== 'PENDING_TWO_FACTOR') throw new Error(`expected a pending sign-in for ${u.email}, got ${payload.stage}`);
        return { ...u, token: payload.sessionToken };
      });
    },

    totpCode(secret) {
      return d.totp.generateTotp({ secretBase32: secret, now: new Date() });
    },

    async close() {
      await app.close();
    },
  };
}

export const BENCH_PASSWORD = 'bench-password-123';

export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}
