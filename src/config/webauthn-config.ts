/** The WebAuthn relying party that passkeys are bound to. */
export interface WebAuthnConfig {
  /** WEBAUTHN_RP_ID: the registrable domain of the front-end (a passkey works on it and its subdomains). */
  rpId: string;
  /** WEBAUTHN_ORIGINS: the origins a passkey response may come from, each on rpId or a subdomain of it. */
  origins: string[];
  /** WEBAUTHN_RP_NAME: the name an authenticator shows. */
  rpName: string;
}

/**
 * WEBAUTHN_*: in development the relying party is localhost and the origin
 * http://localhost:PORT, so `npm start` serves passkeys with nothing set; in
 * production nothing unless WEBAUTHN_RP_ID is set (origins then default to
 * https://RP_ID). An origin outside the RP ID would make every passkey fail:
 * refused at start.
 */
export function webauthnConfig(
  variables: { rpId?: string; origins?: string; rpName?: string },
  { production, port, appName }: { production: boolean; port: number; appName: string },
  problems: string[],
): WebAuthnConfig | null {
  const rpId = variables.rpId?.toLowerCase() ?? (production ? null : 'localhost');
  if (rpId === null) return null;
  // A domain name: WebAuthn refuses IP addresses, schemes and ports as an RP ID.
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(rpId) || /^[\d.]+$/.test(rpId)) {
    problems.push(`WEBAUTHN_RP_ID must be a domain name such as cx.example.com, without scheme or port (got "${rpId}")`);
  }
  const configured = variables.origins;
  const origins = configured
    ? configured.split(',').map((s) => s.trim()).filter(Boolean)
    : [rpId === 'localhost' ? `http://localhost:${port}` : `https://${rpId}`];
  for (const origin of origins) {
    const match = /^(https?):\/\/([a-z0-9.-]+)(:\d{1,5})?$/i.exec(origin);
    const host = match?.[2].toLowerCase();
    if (!match || !host || (host !== rpId && !host.endsWith(`.${rpId}`))) {
      problems.push(`WEBAUTHN_ORIGINS entry "${origin}" must be an origin like https://${rpId} on WEBAUTHN_RP_ID or a subdomain of it`);
    } else if (match[1] === 'http' && host !== 'localhost' && !host.endsWith('.localhost')) {
      problems.push(`WEBAUTHN_ORIGINS entry "${origin}" must use https (browsers allow passkeys over http on localhost only)`);
    }
  }
  return { rpId, origins: origins.map((o) => o.toLowerCase()), rpName: variables.rpName ?? appName };
}
