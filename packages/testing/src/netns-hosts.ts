import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args, { timeout: 15_000 })).stdout;
}

async function inNs(ns: string, command: string, ...args: string[]): Promise<string> {
  return (await run('ip', ['netns', 'exec', ns, command, ...args], { timeout: 15_000 })).stdout;
}

export interface NetnsHosts {
  /** Whether `latencyMs` is on the links: false where the kernel has no netem (sch_netem). */
  latencyApplied: boolean;
  /** The address of a host on the test network (its only address besides loopback). */
  address(host: string): string;
  /** The network namespace a host's processes run in (`ip netns exec <ns> …`). */
  namespace(host: string): string;
  /** Pulls the host's cable: its link to the switch goes down; nothing is sent or answered, no connection is reset. */
  cut(host: string): Promise<void>;
  /** Plugs it back in. */
  restore(host: string): Promise<void>;
  /** Removes every namespace, link and address the network made. */
  destroy(): Promise<void>;
}

/**
 * Several "hosts" on one machine: a network namespace each, wired to a bridge in a namespace of
 * its own (the switch) by a veth pair, with `latencyMs` of delay on every host's link (tc netem,
 * where the kernel has it: see latencyApplied). The test process itself joins the network through one more pair (the "client"),
 * so that it can reach the hosts; nothing is routed anywhere else. Names carry a random id, and
 * the subnet is a random /24 of 10.231.0.0/16, so that runs side by side do not meet.
 */
export async function createNetnsHosts(hosts: readonly string[], options: { latencyMs?: number } = {}): Promise<NetnsHosts> {
  const id = randomBytes(2).toString('hex');
  const subnet = `10.231.${randomBytes(1)[0]!}`;
  const sw = `mesh-${id}-sw`;
  const ns = (host: string) => `mesh-${id}-${host}`;
  const index = new Map(hosts.map((h, i) => [h, i + 1]));
  const hostLink = (i: number) => `m${id}h${i}`;
  const switchLink = (i: number) => `m${id}s${i}`;
  const clientLink = `m${id}c`;
  const created: string[] = [];
  let latencyApplied = Boolean(options.latencyMs);
  const destroy = async () => {
    await ip('link', 'del', clientLink).catch(() => '');
    for (const name of created.reverse()) await ip('netns', 'del', name).catch(() => '');
  };
  try {
    await ip('netns', 'add', sw);
    created.push(sw);
    await inNs(sw, 'ip', 'link', 'set', 'lo', 'up');
    await inNs(sw, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    await inNs(sw, 'ip', 'link', 'set', 'br0', 'up');
    for (const [host, i] of index) {
      await ip('netns', 'add', ns(host));
      created.push(ns(host));
      await ip('link', 'add', hostLink(i), 'type', 'veth', 'peer', 'name', switchLink(i));
      await ip('link', 'set', hostLink(i), 'netns', ns(host));
      await ip('link', 'set', switchLink(i), 'netns', sw);
      await inNs(sw, 'ip', 'link', 'set', switchLink(i), 'master', 'br0', 'up');
      await inNs(ns(host), 'ip', 'link', 'set', 'lo', 'up');
      await inNs(ns(host), 'ip', 'addr', 'add', `${subnet}.${10 + i}/24`, 'dev', hostLink(i));
      await inNs(ns(host), 'ip', 'link', 'set', hostLink(i), 'up');
      if (options.latencyMs && latencyApplied) {
        // A kernel without sch_netem (this project's test VMs) cannot delay packets: said, not faked.
        latencyApplied = await inNs(ns(host), 'tc', 'qdisc', 'add', 'dev', hostLink(i), 'root', 'netem', 'delay', `${options.latencyMs}ms`).then(
          () => true,
          () => false,
        );
      }
    }
    await ip('link', 'add', clientLink, 'type', 'veth', 'peer', 'name', `m${id}sc`);
    await ip('link', 'set', `m${id}sc`, 'netns', sw);
    await inNs(sw, 'ip', 'link', 'set', `m${id}sc`, 'master', 'br0', 'up');
    await ip('addr', 'add', `${subnet}.2/24`, 'dev', clientLink);
    await ip('link', 'set', clientLink, 'up');
  } catch (err) {
    await destroy();
    throw err;
  }
  const known = (host: string) => {
    const i = index.get(host);
    if (i === undefined) throw new Error(`no host ${host}`);
    return i;
  };
  return {
    latencyApplied,
    address: (host) => `${subnet}.${10 + known(host)}`,
    namespace: (host) => (known(host), ns(host)),
    cut: async (host) => void (await inNs(sw, 'ip', 'link', 'set', switchLink(known(host)), 'down')),
    restore: async (host) => void (await inNs(sw, 'ip', 'link', 'set', switchLink(known(host)), 'up')),
    destroy,
  };
}
