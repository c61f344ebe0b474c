import { BlockList, isIP } from 'node:net';

/** A DNS host name (labels of letters, digits and hyphens), with an optional final dot. */
export const HOST_NAME = /^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** The IPv4 address inside an IPv4-mapped IPv6 one (::ffff:192.0.2.1), else the address itself. */
function unmapped(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped ? mapped[1] : address;
}

/** How a host is compared: lower case, without brackets around an IPv6 address or a final dot. */
function canonicalHost(host: string): string {
  return host
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
}

/**
 * Whether a connection to `host` stays on this machine: `localhost`, an
 * address in 127.0.0.0/8, or ::1 (IPv4-mapped forms included). Decided on
 * the text alone: a name that merely resolves to 127.0.0.1 is not loopback
 * here, since what it resolves to can change after the check.
 */
export function isLoopbackHost(host: string): boolean {
  const canonical = canonicalHost(host);
  if (canonical === 'localhost') return true;
  const address = unmapped(canonical);
  if (isIP(address) === 4) return address.split('.')[0] === '127';
  if (isIP(address) === 6) return LOOPBACK_V6.check(address, 'ipv6');
  return false;
}

const LOOPBACK_V6 = new BlockList();
LOOPBACK_V6.addAddress('::1', 'ipv6');

/**
 * An operator's list of allowed hosts (SMTP_ALLOWED_HOSTS): host names and
 * IP addresses or CIDR ranges, comma-separated.
 *
 * - A host name matches only itself (case-insensitive, a final dot ignored).
 *   There is no DNS lookup at check time: a name is allowed by listing the
 *   name, never by the address it resolves to, and an address range never
 *   allows a name (what a name resolves to can change between the check and
 *   the connection). Listing a name trusts whoever controls its DNS.
 * - An IP address host matches a listed address or a range containing it
 *   (an IPv4-mapped IPv6 address counts as its IPv4 address).
 */
export class HostAllowList {
  private constructor(
    private readonly names: ReadonlySet<string>,
    private readonly ranges: BlockList,
    /** The entries as written, for messages. */
    readonly entries: readonly string[],
  ) {}

  /** Parses the comma-separated list; `problems` names each malformed entry (empty when all are fine). */
  static parse(raw: string): { list: HostAllowList; problems: string[] } {
    const names = new Set<string>();
    const ranges = new BlockList();
    const problems: string[] = [];
    const entries = raw
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    for (const entry of entries) {
      const slash = entry.indexOf('/');
      const address = unmapped(canonicalHost(slash >= 0 ? entry.slice(0, slash) : entry));
      const family = isIP(address);
      if (family !== 0 && !address.includes('%')) {
        const max = family === 4 ? 32 : 128;
        const prefixText = slash >= 0 ? entry.slice(slash + 1) : String(max);
        const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
        if (!(prefix >= 0 && prefix <= max)) {
          problems.push(`"${entry}" has a prefix length that is not 0 to ${max}`);
          continue;
        }
        ranges.addSubnet(address, prefix, family === 4 ? 'ipv4' : 'ipv6');
      } else if (slash < 0 && HOST_NAME.test(entry) && !/^[\d.]+$/.test(entry)) {
        names.add(canonicalHost(entry));
      } else {
        problems.push(`"${entry}" is neither a host name, an IP address nor a CIDR range (e.g. smtp.example.com, 10.0.0.0/8, 2001:db8::/32)`);
      }
    }
    return { list: new HostAllowList(names, ranges, entries), problems };
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  allows(host: string): boolean {
    const canonical = canonicalHost(host);
    const address = unmapped(canonical);
    const family = isIP(address);
    if (family === 0) return this.names.has(canonical);
    return this.ranges.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}
