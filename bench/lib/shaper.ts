import { execFileSync } from 'node:child_process';

/**
 * The seeders' fixed BitTorrent ports, one htb class each: the only traffic the shaper slows
 * down. A cell with one seeder uses the first; a swarm cell one per seeder.
 */
export const SEEDER_PORT = 6999;
export const SEEDER_PORTS: readonly number[] = [SEEDER_PORT, SEEDER_PORT + 1, SEEDER_PORT + 2];

const classOf = (i: number): string => `1:${10 + i}`;

function sh(script: string): string {
  return execFileSync('sh', ['-c', script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Rate-limits what each seeder sends (TCP source port 6999, 7000, 7001) with its own htb class on `lo`, inside the
 * benchmark's own network namespace. Everything else on lo (the HTTP between the runner and the
 * clients, requests to the seeder) goes through a 100 Gbit class.
 *
 * lo's MTU and GSO size drop to 1500 while shaping: with 64 KiB loopback packets htb overshoots
 * the rate (a 256 KiB piece in 0.84 s instead of 1.02 s at 256 KB/s); with 1500-byte packets the
 * rate holds. The class rate is scaled by 1500/1448 so that the TCP payload (what a client
 * receives) flows at the nominal rate: TCP/IP headers with timestamps take 52 of every 1500 bytes.
 */
export class Shaper {
  readonly #rates = new Map<number, number>();
  #active = false;

  static available(): boolean {
    try {
      sh('tc qdisc show dev lo');
      return true;
    } catch {
      return false;
    }
  }

  start(): void {
    sh(
      [
        'ip link set lo mtu 1500',
        'ip link set lo gso_max_size 1500',
        '{ tc qdisc del dev lo root 2>/dev/null || true; }',
        'tc qdisc add dev lo root handle 1: htb default 99 r2q 1000',
        'tc class replace dev lo parent 1: classid 1:99 htb rate 100gbit',
        ...SEEDER_PORTS.flatMap((port, i) => [
          `tc class replace dev lo parent 1: classid ${classOf(i)} htb rate 1gbit`,
          `tc filter add dev lo parent 1: protocol ip prio 1 u32 match ip sport ${port} 0xffff flowid ${classOf(i)}`,
        ]),
      ].join(' && '),
    );
    this.#active = true;
    this.#rates.clear();
  }

  /**
   * TCP payload bytes per second from the seeder on `port` (one of SEEDER_PORTS); a 6 kB bucket
   * (four packets), so no bursts.
   */
  setRate(payloadBytesPerSecond: number, port = SEEDER_PORT): void {
    if (!this.#active) throw new Error('shaper not started');
    const i = SEEDER_PORTS.indexOf(port);
    if (i < 0) throw new Error(`port ${port} is not a shaped seeder port`);
    if (payloadBytesPerSecond === this.#rates.get(port)) return;
    const wire = Math.ceil((payloadBytesPerSecond * 8 * 1500) / 1448);
    sh(
      `tc class change dev lo parent 1: classid ${classOf(i)} htb rate ${wire}bit burst 6000 cburst 6000`,
    );
    this.#rates.set(port, payloadBytesPerSecond);
  }

  /** Back to an unshaped loopback with 64 KiB packets (for the serving measurements). */
  stop(): void {
    sh(
      'tc qdisc del dev lo root 2>/dev/null; ip link set lo gso_max_size 65536; ip link set lo mtu 65536; true',
    );
    this.#active = false;
    this.#rates.clear();
  }
}
