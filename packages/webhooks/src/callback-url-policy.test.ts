import { checkCallbackUrl, embeddedIpv4, forbiddenAddressReason, ipv6Bytes } from './callback-url-policy';

const refused = (url: string) => checkCallbackUrl(url, { allowPrivateAddresses: false }).ok === false;

describe('callback_url policy', () => {
  it.each([
    // loopback in every IPv4 spelling the URL parser accepts
    'http://127.0.0.1/hook',
    'http://127.1/hook',
    'http://2130706433/hook',
    'http://0x7f000001/hook',
    'http://0x7f.0.0.1/hook',
    'http://0177.0.0.1/hook',
    'http://017700000001/hook',
    'http://127.000.000.001/hook',
    // private, CGNAT, link-local / metadata, unspecified, multicast, broadcast, reserved
    'http://10.1.2.3/',
    'http://172.16.0.1/',
    'http://172.31.255.255/',
    'http://192.168.1.1/',
    'http://100.64.0.1/',
    'http://100.100.100.200/latest/meta-data',
    'http://169.254.169.254/latest/meta-data/',
    'http://0xa9fea9fe/',
    'http://2852039166/',
    'http://0.0.0.0/',
    'http://0/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://240.0.0.1/',
    'http://198.18.0.1/',
    // IPv6: loopback, unspecified, mapped/translated IPv4 in both notations, ULA (AWS metadata), link-local, multicast, NAT64 and 6to4 wrapping private IPv4
    'http://[::1]/',
    'http://[0:0:0:0:0:0:0:1]/',
    'http://[::]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[::ffff:169.254.169.254]/',
    'http://[::ffff:0:7f00:1]/',
    'http://[fd00:ec2::254]/',
    'http://[fc00::1]/',
    'http://[fe80::1]/',
    'http://[ff02::1]/',
    'http://[64:ff9b::a00:1]/',
    'http://[2002:7f00:1::]/',
    'http://[2001:db8::1]/',
    // local names
    'http://localhost:8080/',
    'http://LOCALHOST/',
    'http://localhost./',
    'http://api.localhost/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://printer.local/',
    'http://redis:6379/',
    'http://metadata/',
  ])('refuses %s', (url) => {
    expect(refused(url)).toBe(true);
  });

  it.each(['https://hooks.example.com/mesh', 'http://example.org:8443/a?b=c', 'https://93.184.216.34/x', 'https://[2606:4700::1111]/', 'https://[::ffff:8.8.8.8]/', 'http://[64:ff9b::808:808]/'])(
    'accepts the public %s',
    (url) => {
      expect(checkCallbackUrl(url, { allowPrivateAddresses: false })).toMatchObject({ ok: true });
    },
  );

  it('refuses other schemes, and allows private targets only with the test flag', () => {
    expect(refused('ftp://example.com/')).toBe(true);
    expect(refused('file:///etc/passwd')).toBe(true);
    expect(checkCallbackUrl('http://127.0.0.1:9999/hook', { allowPrivateAddresses: true })).toMatchObject({ ok: true, host: '127.0.0.1' });
  });

  it('checks addresses as DNS returns them, including IPv4 carried inside IPv6', () => {
    expect(forbiddenAddressReason('10.0.0.7')).toMatch(/private/);
    expect(forbiddenAddressReason('fe80::1%eth0')).toMatch(/link-local/);
    expect(forbiddenAddressReason('8.8.8.8')).toBeNull();
    expect(forbiddenAddressReason('2606:4700::1111')).toBeNull();
    expect(embeddedIpv4('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(embeddedIpv4('2002:c0a8:101::1')).toBe('192.168.1.1');
    expect(embeddedIpv4('2606:4700::1111')).toBeNull();
    expect(ipv6Bytes('1::2')).toEqual([0, 1, ...new Array(12).fill(0), 0, 2]);
    expect(ipv6Bytes('not-an-address')).toBeNull();
  });
});
