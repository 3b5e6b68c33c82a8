import { BlockList, isIP, isIPv4 } from 'node:net';

/**
 * Which callback_urls a webhook may be sent to: public http(s) hosts only (OWASP SSRF). The URL
 * is parsed with the WHATWG parser, which already turns every IPv4 spelling (decimal
 * `2130706433`, octal `0177.0.0.1`, hex `0x7f.1`, shortened `127.1`) into dotted decimal and
 * every IPv6 spelling into its compressed form; the checks below then see one canonical address.
 * The same address check runs again at delivery on every address the name resolves to.
 */

/** Refused IPv4 ranges: this network, private, CGNAT, loopback, link-local (cloud metadata), IETF, documentation, benchmark, multicast, reserved, broadcast. */
const IPV4_RANGES: [string, number][] = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

/**
 * Refused IPv6 ranges. IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
 * are not listed: the IPv4 address they carry is checked instead.
 */
const IPV6_RANGES: [string, number][] = [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT)
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments: Teredo, ORCHID, benchmarking
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
  ['fc00::', 7], // unique local (includes AWS's fd00:ec2::254 metadata endpoint)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

const BLOCKED = new BlockList();
for (const [network, prefix] of IPV4_RANGES) BLOCKED.addSubnet(network, prefix, 'ipv4');
for (const [network, prefix] of IPV6_RANGES) BLOCKED.addSubnet(network, prefix, 'ipv6');

/** Host names that always mean this machine or a private network. */
const FORBIDDEN_NAME_SUFFIXES = ['.localhost', '.local', '.internal', '.localdomain', '.home.arpa'];
const FORBIDDEN_NAMES = new Set(['localhost', 'localhost.localdomain', 'ip6-localhost', 'ip6-loopback']);

/** The 16 bytes of an IPv6 address (an embedded dotted IPv4 tail allowed), or null. */
export function ipv6Bytes(address: string): number[] | null {
  const text = address.replace(/^\[|\]$/g, '').split('%')[0] ?? '';
  if (isIP(text) !== 6) return null;
  let head = text;
  const tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    tail.push(...dotted[1].split('.').map(Number));
    head = text.slice(0, -dotted[1].length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const groupsNeeded = (16 - tail.length) / 2;
  const [left = '', right] = head.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const leftGroups = parse(left);
  const rightGroups = right === undefined ? [] : parse(right);
  const zeros = groupsNeeded - leftGroups.length - rightGroups.length;
  if (zeros < 0 || (right === undefined && zeros !== 0)) return null;
  const groups = [...leftGroups, ...new Array<number>(zeros).fill(0), ...rightGroups];
  return [...groups.flatMap((g) => [g >> 8, g & 0xff]), ...tail];
}

/** The IPv4 address an IPv6 address carries (mapped, NAT64 or 6to4), if it carries one. */
export function embeddedIpv4(address: string): string | null {
  const b = ipv6Bytes(address);
  if (!b) return null;
  const allZero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  const v4 = (at: number) => b.slice(at, at + 4).join('.');
  if (allZero(0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12); // ::ffff:a.b.c.d
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && allZero(4, 12)) return v4(12); // 64:ff9b::a.b.c.d
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2); // 2002:AABB:CCDD::/48
  return null;
}

/** Why an IP address may not receive webhooks, or null when it is a public unicast address. */
export function forbiddenAddressReason(address: string): string | null {
  const ip = address.replace(/^\[|\]$/g, '').split('%')[0] ?? '';
  if (isIPv4(ip)) return BLOCKED.check(ip, 'ipv4') ? `${ip} is a loopback, private, link-local or reserved address` : null;
  if (isIP(ip) !== 6) return `${address} is not an IP address`;
  const inner = embeddedIpv4(ip);
  if (inner) {
    const reason = forbiddenAddressReason(inner);
    return reason ? `${ip} carries ${inner}: ${reason}` : null;
  }
  return BLOCKED.check(ip, 'ipv6') ? `${ip} is a loopback, private, link-local or reserved address` : null;
}

/**
 * Cloud instance-metadata endpoints (AWS, GCP, Azure, OpenStack, Oracle: 169.254.169.254; AWS
 * ECS: 169.254.170.2; AWS IPv6: fd00:ec2::254; Alibaba: 100.100.100.200) and their names. Outbound
 * tool calls refuse them even for hosts the operator allows: credentials live there.
 */
const METADATA_ADDRESSES = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']);
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

/** Why an address is a cloud metadata endpoint (in any spelling, IPv4-mapped included), or null. */
export function metadataAddressReason(address: string): string | null {
  const ip = address.replace(/^\[|\]$/g, '').split('%')[0]?.toLowerCase() ?? '';
  if (isIPv4(ip)) return METADATA_ADDRESSES.has(ip) ? `${ip} is a cloud metadata address` : null;
  if (isIP(ip) !== 6) return null;
  const inner = embeddedIpv4(ip);
  if (inner) return METADATA_ADDRESSES.has(inner) ? `${ip} carries ${inner}, a cloud metadata address` : null;
  const bytes = ipv6Bytes(ip);
  for (const known of METADATA_ADDRESSES) {
    if (isIP(known) === 6 && bytes && ipv6Bytes(known)?.every((b, i) => b === bytes[i])) return `${ip} is a cloud metadata address`;
  }
  return null;
}

/** Why a host name names a cloud metadata endpoint, or null. */
export function metadataHostnameReason(hostname: string): string | null {
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  return METADATA_NAMES.has(name) ? `${name} is a cloud metadata host` : null;
}

/** Why a host name may not receive webhooks (before any lookup), or null. */
export function forbiddenHostnameReason(hostname: string): string | null {
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  if (name === '') return 'the host is empty';
  if (FORBIDDEN_NAMES.has(name) || FORBIDDEN_NAME_SUFFIXES.some((suffix) => name.endsWith(suffix))) return `${name} names a local or internal host`;
  // A single label (`redis`, `metadata`) resolves through search domains to internal services.
  if (!name.includes('.')) return `${name} is not a fully qualified public host name`;
  return null;
}

export type CallbackUrlCheck = { ok: true; url: URL; host: string } | { ok: false; reason: string };

/**
 * The checks a callback_url passes without a DNS lookup: http(s), and a host that is neither a
 * forbidden address in any spelling nor a local name. `allowPrivateAddresses` (tests only)
 * skips the address and name checks.
 */
export function checkCallbackUrl(raw: string, options: { allowPrivateAddresses: boolean }): CallbackUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'is not a valid URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'must use http or https' };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (options.allowPrivateAddresses) return { ok: true, url, host };
  const reason = isIP(host) ? forbiddenAddressReason(host) : forbiddenHostnameReason(host);
  return reason ? { ok: false, reason: `must point to a public host: ${reason}` } : { ok: true, url, host };
}
