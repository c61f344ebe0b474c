/**
 * The tabs the console opens with: an admin's daily tasks, ready to run once
 * signed in through the panel. GraphiQL names each tab after its first
 * operation. Each document must be valid against schema.gql
 * (ide-tabs.spec.ts), and none names a real account: ids and addresses are
 * variables the admin fills in.
 */
export interface IdeTab {
  query: string;
  variables?: string;
}

const USER_FIELDS = `id
    email
    displayName
    role
    createdAt
    twoFactor { enabled methods preferredMethod backupCodesRemaining }`;

/** What an admin reads of another user. */
const ADMIN_USER_FIELDS = `${USER_FIELDS}
    disabled
    lockedUntil
    lastSignInAt`;

export const IDE_TABS: IdeTab[] = [
  {
    query: `# Signed in through the panel on the left? This shows who you are.
query WhoAmI {
  me {
    ${USER_FIELDS}
  }
  currentSession { stage expiresAt enrollmentDueAt }
}
`,
  },
  {
    query: `# Search matches the email or display name; an empty search lists everyone, newest first.
# role (ADMIN, AGENT), twoFactorEnabled and disabled filter (null: any). Pass nextCursor as "after" for the next page.
query FindUser($search: String, $role: Role, $twoFactorEnabled: Boolean, $disabled: Boolean, $after: String) {
  users(search: $search, role: $role, twoFactorEnabled: $twoFactorEnabled, disabled: $disabled, first: 20, after: $after) {
    totalCount
    items {
      ${ADMIN_USER_FIELDS}
    }
    nextCursor
  }
}
`,
    variables: '{\n  "search": "",\n  "role": null,\n  "twoFactorEnabled": null,\n  "disabled": null\n}\n',
  },
  {
    query: `# A user locked out after too many wrong codes signs in again at once. Take the id from FindUser.
mutation UnlockUser($id: ID!) {
  unlockUser(id: $id) { id email lockedUntil }
}
`,
    variables: '{\n  "id": ""\n}\n',
  },
  {
    query: `# Disabling ends all the user's sessions and trusted devices and refuses sign-in (ACCOUNT_DISABLED)
# until EnableUser. Not yourself, nor the last enabled ADMIN.
mutation DisableUser($id: ID!) {
  disableUser(id: $id) { id email disabled }
}

mutation EnableUser($id: ID!) {
  enableUser(id: $id) { id email disabled }
}
`,
    variables: '{\n  "id": ""\n}\n',
  },
  {
    query: `# Change a display name or a role (not your own role, never leaving no enabled ADMIN). Omitted fields stay.
mutation UpdateUser($id: ID!, $input: UpdateUserInput!) {
  updateUser(id: $id, input: $input) { id email displayName role }
}
`,
    variables: '{\n  "id": "",\n  "input": { "displayName": null, "role": null }\n}\n',
  },
  {
    query: `# A user's open sessions (omit userId for your own). RevokeSession ends one; RevokeAllSessions ends all of
# that user's (or, without userId, all your other ones).
query Sessions($userId: ID) {
  sessions(userId: $userId) { id stage createdAt lastSeenAt expiresAt ip userAgent current }
}

mutation RevokeSession($id: ID!) {
  revokeSession(id: $id)
}

mutation RevokeAllSessions($userId: ID) {
  revokeAllSessions(userId: $userId)
}
`,
    variables: '{\n  "userId": null,\n  "id": ""\n}\n',
  },
  {
    query: `# A one-time backup code for a user who lost their second factor: read it to them.
# It lives adminBackupCodeTtlMinutes; issuing another invalidates the last. Take the id from FindUser.
mutation IssueBackupCode($userId: ID!) {
  issueBackupCode(userId: $userId) { code expiresAt }
}
`,
    variables: '{\n  "userId": ""\n}\n',
  },
  {
    query: `# Turns off all of the user's methods, backup codes and trusted devices: they set up 2FA again.
mutation ResetTwoFactor($userId: ID!) {
  resetTwoFactor(userId: $userId) {
    ${USER_FIELDS}
  }
}
`,
    variables: '{\n  "userId": ""\n}\n',
  },
  {
    query: `# Newest first. userId, types (e.g. ["SIGN_IN_FAILED", "ACCOUNT_LOCKED"]), since (inclusive), until
# (exclusive) and ip filter (null: any); pass nextCursor as "after" for older ones.
query SecurityEvents($userId: ID, $types: [String!], $since: DateTime, $until: DateTime, $ip: String, $after: String) {
  securityEvents(userId: $userId, types: $types, since: $since, until: $until, ip: $ip, first: 50, after: $after) {
    items { id createdAt type userId actorId ip userAgent details }
    nextCursor
  }
}
`,
    variables: '{\n  "userId": null,\n  "types": null,\n  "since": null,\n  "until": null,\n  "ip": null\n}\n',
  },
  {
    query: `# Run TwoFactorPolicy to read it; UpdateTwoFactorPolicy changes only the fields you give.
query TwoFactorPolicy {
  twoFactorPolicy {
    requirement
    allowedMethods
    frequency
    trustedDeviceDays
    maxAttempts
    cooldownFromAttempt
    cooldownMinutes
    lockoutMinutes
    emailCodeTtlMinutes
    resendCooldownSeconds
    adminBackupCodeTtlMinutes
    reauthenticationMinutes
    enrollmentGraceDays
    updatedAt
  }
}

mutation UpdateTwoFactorPolicy($input: UpdateTwoFactorPolicyInput!) {
  updateTwoFactorPolicy(input: $input) { requirement allowedMethods frequency trustedDeviceDays updatedAt }
}
`,
    variables: '{\n  "input": { "requirement": "REQUIRED_FOR_ADMINS" }\n}\n',
  },
  {
    query: `# The Custom SMTP Server. The password is never shown; omit it in the input to keep the stored one.
query SmtpSettings {
  smtpSettings { configured source host port secure username passwordSet fromAddress fromName updatedAt }
}

mutation UpdateSmtpSettings($input: SmtpSettingsInput!) {
  updateSmtpSettings(input: $input) { configured source host port secure username passwordSet fromAddress fromName updatedAt }
}

mutation SendTestEmail($to: String!) {
  sendTestEmail(to: $to)
}
`,
    variables:
      '{\n  "input": { "host": "smtp.example.net", "port": 587, "secure": false, "username": null, "fromAddress": "no-reply@example.net", "fromName": "Twofold" },\n  "to": ""\n}\n',
  },
  {
    query: `# New agents get EMAIL or AUTHENTICATOR_APP on their first sign-in if the policy requires 2FA.
mutation CreateUser($input: CreateUserInput!) {
  createUser(input: $input) {
    ${USER_FIELDS}
  }
}
`,
    variables: '{\n  "input": { "email": "", "displayName": "", "password": "", "role": "AGENT" }\n}\n',
  },
];
