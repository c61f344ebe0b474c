import { ResealReport } from '../modules/secrets/secrets.service';

/** Sealed values that removing APP_SECRET_PREVIOUS would lose (or that are lost already). */
export function stillDependent(report: ResealReport): number {
  return report.sealed.reduce((total, column) => total + column.underPrevious + column.unreadable, 0);
}

const list = (entries: Array<[string, number]>): string => entries.map(([label, count]) => `${label} ${count}`).join(', ');

/** What `--reseal` prints: what it did, what still depends on earlier secrets, and until when. */
export function formatResealReport(report: ResealReport, previousSecretsGiven: boolean): string[] {
  const lines = [`Re-sealed under the current APP_SECRET: ${list(report.sealed.map((c) => [c.label, c.resealed]))}.`];
  const underPrevious = report.sealed.filter((c) => c.underPrevious > 0);
  const unreadable = report.sealed.filter((c) => c.unreadable > 0);
  if (underPrevious.length > 0) {
    lines.push(
      `Still sealed under APP_SECRET_PREVIOUS (written by an instance that still runs with the previous secret, or changed during this run; run --reseal again): ${list(underPrevious.map((c) => [c.label, c.underPrevious]))}.`,
    );
  }
  if (unreadable.length > 0) {
    lines.push(
      `Sealed under a secret that is neither APP_SECRET nor in APP_SECRET_PREVIOUS, so it cannot be opened: ${list(unreadable.map((c) => [c.label, c.unreadable]))}. ` +
        'Put that secret in APP_SECRET_PREVIOUS and run --reseal again; if it is lost, so are these (users set up their authenticator again, an admin sets the SMTP password again).',
    );
  }
  if (underPrevious.length === 0 && unreadable.length === 0 && previousSecretsGiven) {
    lines.push('Nothing depends on APP_SECRET_PREVIOUS any more: remove it now (the key ring keeps the older hashing keys, sealed under APP_SECRET).');
  }
  const hashed = report.hashed.filter((h) => h.count > 0);
  if (hashed.length > 0) {
    lines.push(
      'Still verified with hashing keys from before the last rotation (kept in the key ring, they need no APP_SECRET_PREVIOUS; ' +
        'if the previous secret leaked together with the database, treat these as exposed):',
    );
    for (const h of hashed) {
      const users = `${h.users} user${h.users === 1 ? '' : 's'}`;
      lines.push(`  ${h.label}: ${h.count} (${users}), ${h.until ? `until ${h.until.toISOString()}` : 'until used or regenerated'}`);
    }
    const dates = hashed.flatMap((h) => (h.until ? [h.until.getTime()] : []));
    const open = hashed.some((h) => h.until === null);
    const last = dates.length > 0 ? new Date(Math.max(...dates)).toISOString() : null;
    lines.push(
      `  Those keys are dropped once none of this is left${last ? `: after ${last}` : ''}${open ? `${last ? ', and' : ':'} once those backup codes are used or regenerated` : ''}.`,
    );
  } else if (report.retiredKeys > 0 && report.indistinctRetiredKeys === 0) {
    lines.push(`Nothing alive was hashed with the ${report.retiredKeys} older hashing key(s) left; retention drops them a day after their rotation.`);
  }
  if (report.indistinctRetiredKeys > 0) {
    lines.push(
      `${report.indistinctRetiredKeys} hashing key(s) of APP_SECRET_PREVIOUS were put in the key ring when it was created; what they hashed ` +
        'cannot be told from what the current key hashes, so they stay (sealed under APP_SECRET) until the next rotation of APP_SECRET.',
    );
  }
  if (report.droppedKeys > 0) lines.push(`Dropped ${report.droppedKeys} older hashing key(s) that nothing alive used.`);
  return lines;
}
