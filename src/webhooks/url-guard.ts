import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Which webhook URLs and addresses the gateway may POST to: https to a public address, unless private URLs
 * are allowed (WEBHOOK_ALLOW_PRIVATE_URLS). Checked when an endpoint is registered and again at every
 * connection, so a DNS change cannot turn an endpoint against the intranet.
 */

const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata services)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const)
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64 (checked as IPv4 below as well)
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (private)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const)
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** Whether an IP address is one anybody on the internet could reach (not loopback, private, ...). */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 4) return !NOT_PUBLIC.check(address, 'ipv4');
  const lower = address.toLowerCase();
  // IPv4-mapped (::ffff:10.0.0.1) and IPv4-compatible forms carry an IPv4 address: judge that one.
  const mapped = /^(?:::ffff:|::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return isPublicAddress(mapped[1]);
  return !NOT_PUBLIC.check(lower, 'ipv6');
}

export class UrlRefused extends Error {}

/** The URL parsed, or UrlRefused saying why it may not be used. */
export function parseWebhookUrl(text: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UrlRefused(`url must be an absolute https URL, got ${JSON.stringify(text.slice(0, 100))}`);
  }
  const schemes = allowPrivate ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol))
    throw new UrlRefused(
      `url must use ${schemes.map((s) => s.slice(0, -1)).join(' or ')}, got ${url.protocol}`,
    );
  if (url.username || url.password) throw new UrlRefused('url must not carry a user name or password');
  return url;
}

/** A URL's host name as dns.lookup takes it ([::1] -> ::1). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

type Lookup = (
  host: string,
  options: { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/** Every address of a host, each public unless allowPrivate; UrlRefused otherwise. */
export async function resolvePermitted(
  host: string,
  allowPrivate: boolean,
  lookup: Lookup = dnsLookup as unknown as Lookup,
): Promise<LookupAddress[]> {
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
    lookup(host, { all: true }, (error, found) =>
      error
        ? reject(new UrlRefused(`url's host ${host} does not resolve (${error.code ?? error.message})`))
        : resolve(found),
    ),
  );
  if (addresses.length === 0) throw new UrlRefused(`url's host ${host} does not resolve`);
  if (!allowPrivate) {
    const inner = addresses.find((a) => !isPublicAddress(a.address));
    if (inner)
      throw new UrlRefused(
        `url's host ${host} resolves to ${inner.address}, which is not a public address (loopback, private, link-local or multicast)`,
      );
  }
  return addresses;
}

/**
 * A `lookup` for http.request that resolves the host and refuses a non-public address at connection time:
 * the connection goes to the very address that was checked.
 */
export function guardedLookup(allowPrivate: boolean) {
  return (
    host: string,
    options: { all?: boolean },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    resolvePermitted(host, allowPrivate).then(
      (addresses) =>
        options.all ? callback(null, addresses) : callback(null, addresses[0].address, addresses[0].family),
      (error: Error) => callback(error, '', 4),
    );
  };
}
