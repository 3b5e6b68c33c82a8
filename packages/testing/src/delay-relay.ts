import { launch, type LaunchedProcess } from './process-launcher';

/**
 * The relay's own program, run by `node -e` in the namespace: every chunk, in each direction, is
 * passed on `delay` ms after it arrived, in order (a chunk never overtakes an earlier one); an end
 * follows the last chunk.
 */
const RELAY = `
const net = require('node:net');
const [listenHost, listenPort, targetHost, targetPort, delay] = process.argv.slice(1);
const ms = Number(delay);
function relay(from, to) {
  // Due times on the monotonic clock, passed on in order. A timer may fire up to a millisecond
  // early (it counts from the event loop's cached time, and Date.now() has whole milliseconds),
  // so what is not due yet waits again: a chunk is never passed on before its full delay.
  const due = [];
  let timer = null;
  const drain = () => {
    timer = null;
    while (due.length > 0 && due[0].at <= performance.now()) due.shift().fn();
    if (due.length > 0) timer = setTimeout(drain, Math.max(1, Math.ceil(due[0].at - performance.now())));
  };
  const later = (fn) => {
    const at = Math.max(performance.now() + ms, due.length > 0 ? due[due.length - 1].at : 0);
    due.push({ at, fn });
    if (timer === null) timer = setTimeout(drain, Math.max(1, Math.ceil(at - performance.now())));
  };
  from.on('data', (chunk) => later(() => to.write(chunk)));
  from.on('end', () => later(() => to.end()));
  from.on('error', () => to.destroy());
  from.on('close', () => later(() => to.destroy()));
}
net.createServer((client) => {
  const upstream = net.connect(Number(targetPort), targetHost);
  relay(client, upstream);
  relay(upstream, client);
}).listen(Number(listenPort), listenHost, () => console.log('delay relay ready'));
`;

/**
 * Latency where the kernel cannot add it (no sch_netem): a TCP relay on `listen`, inside the
 * network namespace `namespace`, that forwards to `target` with `delayMs` added to every chunk in
 * each direction. Put in front of a host's server, every connection to it from another host pays
 * the delay both ways, as a link with netem delay would (on the data, not on the handshake).
 */
export async function launchDelayRelay(namespace: string, listen: { host: string; port: number }, target: { host: string; port: number }, delayMs: number, name = 'delay-relay'): Promise<LaunchedProcess> {
  const relay = launch(name, 'ip', ['netns', 'exec', namespace, process.execPath, '-e', RELAY, listen.host, String(listen.port), target.host, String(target.port), String(delayMs)], {});
  await relay.waitForLine(/delay relay ready/, 15_000);
  return relay;
}
