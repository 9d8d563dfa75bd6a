// A benchmark client process: `node --import tsx bench/clients/main.ts <kind> [settings JSON]`.
// Reads one JSON command per line on stdin and answers each (matched by id) on stdout, so the
// runner can time it from outside and watch its CPU and memory in /proc.
import { createInterface } from 'node:readline';
import type { SettingValue } from '../../lib/index.ts';
import { errorText } from '../lib/util.ts';
import type { Adapter, AddArgs } from './adapter.ts';

type Command = { op: string; id: number; fileIndex?: number; byte?: number } & Partial<AddArgs>;

async function makeAdapter(
  kind: string,
  settings: Record<string, SettingValue>,
  savePath: string,
): Promise<Adapter> {
  switch (kind) {
    case 'ours':
      return (await import('./ours.ts')).oursAdapter(settings, savePath);
    case 'webtorrent':
      return (await import('./webtorrent.ts')).webtorrentAdapter();
    case 'peerflix':
      return (await import('./peerflix.ts')).peerflixAdapter();
    case 'nodefs':
      return (await import('./nodefs.ts')).nodefsAdapter();
    default:
      throw new Error(`unknown client kind ${kind}`);
  }
}

function reply(msg: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
}

async function main(): Promise<void> {
  const [kind = '', settingsJson = '{}', savePath = ''] = process.argv.slice(2);
  const adapter = await makeAdapter(
    kind,
    JSON.parse(settingsJson) as Record<string, SettingValue>,
    savePath,
  );
  const lines = createInterface({ input: process.stdin });
  let exiting = false;
  const exit = async (): Promise<void> => {
    if (exiting) return;
    exiting = true;
    try {
      await adapter.close();
    } finally {
      process.exit(0);
    }
  };
  lines.on('close', () => void exit());
  lines.on('line', (line) => {
    const cmd = JSON.parse(line) as Command;
    const file = cmd.fileIndex ?? 0;
    const run = async (): Promise<object | null> => {
      switch (cmd.op) {
        case 'add':
          return adapter.add(cmd as AddArgs);
        case 'open':
          return adapter.open(file);
        case 'prefetch':
          return adapter.prefetch(file);
        case 'position':
          adapter.position(file, cmd.byte ?? 0);
          return null;
        case 'release':
          return { released: await adapter.release(file) };
        case 'stats':
          return { stats: adapter.stats(file) };
        case 'exit':
          await exit();
          return null;
        default:
          throw new Error(`unknown op ${cmd.op}`);
      }
    };
    run().then(
      (result) => {
        if (cmd.id && result) reply({ ...result, id: cmd.id, ok: true });
      },
      (error: unknown) => reply({ id: cmd.id, ok: false, error: errorText(error) }),
    );
  });
  reply({ ready: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
