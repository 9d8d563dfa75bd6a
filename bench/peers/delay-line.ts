// A userspace delay line (there is no netem here): a TCP proxy on 127.0.0.1 that holds every
// chunk `--delay` ms in each direction, order kept, so a connection through it sees a round trip
// of twice that. The seeder's rate is still shaped by htb on its own port, before the line.
// Usage: delay-line.ts --target 127.0.0.1:PORT --delay MS; prints `READY <port>` when listening.
import { connect, createServer, type Socket } from 'node:net';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) throw new Error(`delay-line: --${name} is required`);
  return v;
}

const [host = '127.0.0.1', portText = ''] = arg('target').split(/:(?=\d+$)/);
const targetPort = Number(portText);
const delayMs = Number(arg('delay'));
if (!(host === '127.0.0.1' || host === 'localhost')) throw new Error('delay-line: loopback only');

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/**
 * One direction: chunks leave `delayMs` after they arrived, in arrival order. One timer per
 * direction, armed for the oldest chunk: with a fixed delay the queue is already in due order.
 */
function delayed(from: Socket, to: Socket): void {
  const queue: { due: number; chunk: Buffer | null }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    timer = undefined;
    const t = now();
    while (queue.length > 0 && (queue[0]?.due ?? 0) <= t + 0.5) {
      const { chunk } = queue.shift() as { chunk: Buffer | null };
      if (chunk === null) to.end();
      else if (!to.destroyed) to.write(chunk);
    }
    const head = queue[0];
    if (head) timer = setTimeout(flush, Math.max(0, head.due - now()));
  };
  const push = (chunk: Buffer | null): void => {
    queue.push({ due: now() + delayMs, chunk });
    if (!timer) timer = setTimeout(flush, delayMs);
  };
  from.on('data', (chunk: Buffer) => push(chunk));
  from.on('end', () => push(null));
  // A reset is passed on at once: nothing that follows it would be delivered anyway.
  from.on('error', () => to.destroy());
  from.on('close', () => {
    if (queue.length === 0 && !to.writableEnded) to.end();
  });
}

const server = createServer({ noDelay: true }, (client) => {
  const seeder = connect({ host, port: targetPort, noDelay: true });
  delayed(client, seeder);
  delayed(seeder, client);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`READY ${address.port}\n`);
});
// The runner holds our stdin open; its end means the runner is gone.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
