import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/common/auth/role';
import { SessionStage } from '../src/common/auth/session-stage';
import { SessionsService } from '../src/modules/auth/sessions.service';
import { UsersService } from '../src/modules/users/users.service';
import { startTestApp, TestApp } from './support/app';
import { FieldInfo, schemaTypes, TypeInfo, TypeRef } from './support/introspection';

const { AUTHENTICATED, PENDING_TWO_FACTOR, PENDING_ENROLLMENT } = SessionStage;
const ANY = [AUTHENTICATED, PENDING_TWO_FACTOR, PENDING_ENROLLMENT];
const ENROLLMENT = [AUTHENTICATED, PENDING_ENROLLMENT];

type Access = 'public' | { stages: SessionStage[]; adminOnly?: boolean };

/**
 * Every Query and Mutation field, and who may call it. A field missing here
 * fails the test: a new resolver must say what it needs.
 */
const ACCESS: Record<string, Access> = {
  'Query.currentSession': { stages: ANY },
  'Query.me': { stages: ENROLLMENT },
  'Query.users': { stages: [AUTHENTICATED], adminOnly: true },
  'Query.user': { stages: [AUTHENTICATED], adminOnly: true },
  'Query.securityEvents': { stages: [AUTHENTICATED] },
  'Query.twoFactorPolicy': { stages: [AUTHENTICATED] },
  'Query.trustedDevices': { stages: [AUTHENTICATED] },
  'Mutation.revokeTrustedDevice': { stages: [AUTHENTICATED] },
  'Mutation.revokeAllTrustedDevices': { stages: [AUTHENTICATED] },
  'Mutation.updateTwoFactorPolicy': { stages: [AUTHENTICATED], adminOnly: true },
  'Mutation.resetTwoFactor': { stages: [AUTHENTICATED], adminOnly: true },
  'Mutation.signIn': 'public',
  'Mutation.signOut': { stages: ANY },
  'Mutation.verifyTwoFactor': { stages: [PENDING_TWO_FACTOR] },
  'Mutation.resendTwoFactorCode': { stages: [PENDING_TWO_FACTOR] },
  'Mutation.cancelSignIn': { stages: [PENDING_TWO_FACTOR, PENDING_ENROLLMENT] },
  'Mutation.changePassword': { stages: [AUTHENTICATED] },
  'Mutation.createUser': { stages: [AUTHENTICATED], adminOnly: true },
  'Mutation.startEmailEnrollment': { stages: ENROLLMENT },
  'Mutation.resendEmailEnrollmentCode': { stages: ENROLLMENT },
  'Mutation.confirmEmailEnrollment': { stages: ENROLLMENT },
  'Mutation.startAuthenticatorEnrollment': { stages: ENROLLMENT },
  'Mutation.confirmAuthenticatorEnrollment': { stages: ENROLLMENT },
  'Mutation.disableTwoFactorMethod': { stages: [AUTHENTICATED] },
  'Mutation.setPreferredTwoFactorMethod': { stages: [AUTHENTICATED] },
  'Mutation.regenerateBackupCodes': { stages: [AUTHENTICATED] },
  'Mutation.issueBackupCode': { stages: [AUTHENTICATED], adminOnly: true },
  'Query.smtpSettings': { stages: [AUTHENTICATED], adminOnly: true },
  'Mutation.updateSmtpSettings': { stages: [AUTHENTICATED], adminOnly: true },
  'Mutation.sendTestEmail': { stages: [AUTHENTICATED], adminOnly: true },
  'Mutation.startPasskeyEnrollment': { stages: ENROLLMENT },
  'Mutation.confirmPasskeyEnrollment': { stages: ENROLLMENT },
  'Mutation.renamePasskey': { stages: [AUTHENTICATED] },
  'Mutation.removePasskey': { stages: [AUTHENTICATED] },
  'Mutation.startPasskeySignIn': 'public',
  'Mutation.signInWithPasskey': 'public',
  'Mutation.updateUser': { stages: [AUTHENTICATED], adminOnly: true },
  'Mutation.disableUser': { stages: [AUTHENTICATED], adminOnly: true },
  'Mutation.enableUser': { stages: [AUTHENTICATED], adminOnly: true },
  'Mutation.unlockUser': { stages: [AUTHENTICATED], adminOnly: true },
  // Everyone their own; another user's only for an admin (test/sessions.e2e-spec.ts).
  'Query.sessions': { stages: [AUTHENTICATED] },
  'Mutation.revokeSession': { stages: [AUTHENTICATED] },
  'Mutation.revokeAllSessions': { stages: [AUTHENTICATED] },
};

const STAGE_ERROR: Record<SessionStage, string> = {
  [PENDING_TWO_FACTOR]: 'TWO_FACTOR_REQUIRED',
  [PENDING_ENROLLMENT]: 'ENROLLMENT_REQUIRED',
  // A full session calling a pending-only operation (e.g. verifyTwoFactor).
  [AUTHENTICATED]: 'BAD_USER_INPUT',
};
const ACCESS_ERRORS = new Set(['UNAUTHENTICATED', 'TWO_FACTOR_REQUIRED', 'ENROLLMENT_REQUIRED', 'FORBIDDEN']);

describe('every resolver enforces its stage and permission', () => {
  let t: TestApp;
  let types: Map<string, TypeInfo>;
  let agentId: string;
  let adminId: string;

  beforeAll(async () => {
    t = await startTestApp();
    types = await schemaTypes(t);
    const users = t.app.get(UsersService);
    agentId = (await users.create({ email: 'matrix-agent@example.com', password: 'matrix-password', role: Role.AGENT })).id;
    adminId = (await users.findByEmail('admin@example.com'))!.id;
  });
  afterAll(async () => t?.close());

  const named = (ref: TypeRef): TypeRef => (ref.ofType ? named(ref.ofType) : ref);

  /** A syntactically valid literal for a type: enough to reach the guard. */
  const dummy = (ref: TypeRef): string => {
    if (ref.kind === 'NON_NULL') return dummy(ref.ofType!);
    if (ref.kind === 'LIST') return `[${dummy(ref.ofType!)}]`;
    const type = types.get(ref.name!)!;
    switch (type.kind) {
      case 'ENUM':
        return type.enumValues![0].name;
      case 'INPUT_OBJECT': {
        const required = type.inputFields!.filter((f) => f.type.kind === 'NON_NULL' && f.defaultValue === null);
        return `{ ${required.map((f) => `${f.name}: ${dummy(f.type)}`).join(', ')} }`;
      }
      default:
        switch (type.name) {
          case 'Int':
            return '1';
          case 'Boolean':
            return 'false';
          case 'ID':
            return '"00000000-0000-0000-0000-000000000000"';
          default:
            return '"x"';
        }
    }
  };

  const operation = (root: 'Query' | 'Mutation', field: FieldInfo): string => {
    const args = field.args.filter((a) => a.type.kind === 'NON_NULL' && a.defaultValue === null);
    const argText = args.length ? `(${args.map((a) => `${a.name}: ${dummy(a.type)}`).join(', ')})` : '';
    const returns = types.get(named(field.type).name!)!;
    const selection = returns.kind === 'OBJECT' ? ' { __typename }' : '';
    return `${root === 'Query' ? 'query' : 'mutation'} { ${field.name}${argText}${selection} }`;
  };

  const tokenFor = async (stage: SessionStage, admin: boolean) => {
    const client = { ip: '127.0.0.1', userAgent: 'matrix' };
    return (await t.app.get(SessionsService).open(admin ? adminId : agentId, stage, client)).token;
  };

  it('lists every Query and Mutation field', () => {
    const fields = ['Query', 'Mutation'].flatMap((root) => types.get(root)!.fields!.map((f) => `${root}.${f.name}`));
    expect(fields.filter((f) => !(f in ACCESS))).toEqual([]);
    expect(Object.keys(ACCESS).filter((f) => !fields.includes(f))).toEqual([]);
  });

  it('refuses every stage and role it must refuse, and lets the others through', async () => {
    const problems: string[] = [];
    for (const root of ['Query', 'Mutation'] as const) {
      for (const field of types.get(root)!.fields!) {
        const access = ACCESS[`${root}.${field.name}`];
        const document = operation(root, field);
        const code = async (token: string | null) => (await t.gql(document, {}, { token })).errors?.[0]?.extensions?.code;

        const anonymous = await code(null);
        if (access === 'public') {
          if (ACCESS_ERRORS.has(anonymous)) problems.push(`${root}.${field.name} without a token: ${anonymous}`);
          continue;
        }
        if (anonymous !== 'UNAUTHENTICATED') problems.push(`${root}.${field.name} without a token: ${anonymous}`);

        for (const stage of ANY) {
          const allowed = access.stages.includes(stage);
          const asAgent = await code(await tokenFor(stage, false));
          if (!allowed) {
            if (asAgent !== STAGE_ERROR[stage]) problems.push(`${root}.${field.name} at ${stage}: ${asAgent}, expected ${STAGE_ERROR[stage]}`);
            continue;
          }
          if (access.adminOnly && stage === AUTHENTICATED) {
            if (asAgent !== 'FORBIDDEN') problems.push(`${root}.${field.name} as AGENT: ${asAgent}, expected FORBIDDEN`);
            const asAdmin = await code(await tokenFor(stage, true));
            if (ACCESS_ERRORS.has(asAdmin)) problems.push(`${root}.${field.name} as ADMIN: ${asAdmin}`);
          } else if (ACCESS_ERRORS.has(asAgent)) {
            problems.push(`${root}.${field.name} at ${stage}: ${asAgent}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
