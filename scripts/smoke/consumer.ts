// A TypeScript user's program, compiled with `strict` against the installed package's types
// (never run: consumer.cjs and consumer.mjs are the running ones).
import {
  type FileEntry,
  LOOPBACK_SETTINGS,
  Player,
  type PlayerStream,
  Session,
  type StreamStats,
  VozduxanError,
} from 'vozduxan';

export async function playFirstAudio(
  magnet: string,
  storagePath: string,
): Promise<StreamStats | null> {
  const session = await Session.create({ storagePath, settings: LOOPBACK_SETTINGS });
  const player = new Player(session);
  try {
    const files: FileEntry[] = await player.listFiles(magnet);
    const audio = files.find((f) => f.mime.startsWith('audio/'));
    if (!audio) return null;
    const stream: PlayerStream = await player.prepareStream({ magnet, fileIdx: audio.index });
    session.notifyPosition(stream.token, stream.fileSize / 2);
    return session.stats(stream.token);
  } catch (error) {
    if (error instanceof VozduxanError && error.code === 'METADATA_TIMEOUT') return null;
    throw error;
  } finally {
    await player.dispose();
    await session.close();
  }
}
