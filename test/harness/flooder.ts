// Child process for the flood test: opens COUNT idle TCP connections to 127.0.0.1:PORT (a few
// hundred at a time, so the attempt itself is bounded), prints `FLOODED {json}` once every attempt
// has connected or failed, and holds what stays open until its stdin closes. Sends nothing.
// Usage: node flooder.ts PORT COUNT   (run it with an fd limit above COUNT)
import { connect, type Socket } from 'node:net';

const port = Number(process.argv[2]);
const count = Number(process.argv[3]);
const BATCH = 250;
const sockets = new Set<Socket>();
let connected = 0;
let failed = 0;
let closedByServer = 0;

function attempt(): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    // A connect that neither succeeds nor fails (a full backlog drops SYNs) counts as failed.
    const timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on('connect', () => {
      clearTimeout(timer);
      connected++;
      sockets.add(socket);
      resolve();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      if (sockets.delete(socket)) closedByServer++;
      else {
        failed++;
        resolve();
      }
    });
  });
}

async function main(): Promise<void> {
  for (let started = 0; started < count; started += BATCH) {
    const batch = Math.min(BATCH, count - started);
    await Promise.all(Array.from({ length: batch }, attempt));
  }
  console.log(`FLOODED ${JSON.stringify({ connected, failed })}`);
  process.stdin.on('data', () => {
    console.log(
      `STATE ${JSON.stringify({ connected, failed, closedByServer, open: sockets.size })}`,
    );
  });
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
}

void main();
