/**
 * The tabs the console opens with: an admin's daily tasks, ready to run once
 * signed in through the panel. GraphiQL names each tab after its first
 * operation. Each document must be valid against schema.gql
 * (ide-tabs.spec.ts), and none names a real account: ids and addresses are
 * variables the admin fills in.
 *
 * Add "Unlock a user" (unlockUser) and "Disable a user" (disableUser,
 * enableUser) here when those mutations exist.
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

export const IDE_TABS: IdeTab[] = [
  {
    query: `# Signed in through the panel on the left? This shows who you are.
query WhoAmI {
  me {
    ${USER_FIELDS}
  }
  currentSession { stage expiresAt }
}
`,
  },
  {
    query: `# Search matches the email or display name; an empty search lists everyone, newest first.
# Pass nextCursor as "after" for the next page.
query FindUser($search: String, $after: String) {
  users(search: $search, first: 20, after: $after) {
    items {
      ${USER_FIELDS}
    }
    nextCursor
  }
}
`,
    variables: '{\n  "search": ""\n}\n',
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
    query: `# Newest first. Give a userId for one user's events; pass nextCursor as "after" for older ones.
query SecurityEvents($userId: ID, $after: String) {
  securityEvents(userId: $userId, first: 50, after: $after) {
    items { id createdAt type userId actorId ip userAgent details }
    nextCursor
  }
}
`,
    variables: '{\n  "userId": null\n}\n',
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
