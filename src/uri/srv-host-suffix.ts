// srvAllowedHostsSuffix (initial-dns-seedlist-discovery, and the official driver 7.x): a host name
// suffix that every SRV target must end with, replacing the default "same parent domain" check.
import { domainToASCII } from 'node:url';
import { MongoParseError } from '../errors.js';

/** Single labels a suffix may be: names reserved for private or special use (RFC 6761, 6762, ICANN). */
const SINGLE_LABEL_SUFFIXES: ReadonlySet<string> = new Set([
  'test',
  'localhost',
  'invalid',
  'example',
  'local',
  'internal',
  'corp',
  'home',
  'mail',
]);

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** A DNS name in lowercase A-label (Punycode) form; undefined when it is not a valid name. */
export function dnsNameToAscii(name: string): string | undefined {
  const ascii = isAscii(name) ? name.toLowerCase() : domainToASCII(name);
  return ascii === '' || /\s/.test(ascii) || ascii.includes('..') ? undefined : ascii;
}

/**
 * Normalizes a suffix: dots at either end stripped, lowercase A-label form, at least two labels
 * unless it is a reserved single label, then a leading "." so it matches whole labels only.
 * Throws MongoParseError for a value that cannot be a suffix.
 */
export function normalizeSrvAllowedHostsSuffix(value: string): string {
  const stripped = value.replace(/^\.+|\.+$/g, '');
  if (stripped === '')
    throw new MongoParseError('srvAllowedHostsSuffix must contain at least one domain label');
  const suffix = dnsNameToAscii(stripped);
  if (suffix === undefined) {
    throw new MongoParseError(`srvAllowedHostsSuffix ${JSON.stringify(value)} is not a valid domain name`);
  }
  if (!suffix.includes('.') && !SINGLE_LABEL_SUFFIXES.has(suffix)) {
    throw new MongoParseError(
      `srvAllowedHostsSuffix ${JSON.stringify(value)} must contain at least two domain labels, or be one of: ${[
        ...SINGLE_LABEL_SUFFIXES,
      ].join(', ')}`,
    );
  }
  return `.${suffix}`;
}
