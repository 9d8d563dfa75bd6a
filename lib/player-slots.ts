// The Player's slot state machine: which stream each of the three token buckets holds, and
// which call for each slot is the newest (the version guard). Synchronous and free of I/O:
// the Player does the session calls and the releases around it. Unit-tested on its own
// (test/unit/player-slots.test.ts).
import type { PlayerSlot, PlayerSlotState, PlayerSlots, PlayerStream } from './player-types';

/** The three slots, in the order the player walks them. */
export const SLOTS: readonly PlayerSlot[] = ['current', 'prefetch', 'warm'];

/** A stream parked in a slot. */
export interface Parked extends PlayerSlotState {
  /** Info hash (or magnet) plus file index: what "the same track" means. */
  key: string;
}

/** A prepare under way for a slot. */
export interface InFlight {
  readonly slot: PlayerSlot;
  readonly version: number;
  /** Aborting it stops the call's native wait. */
  readonly controller: AbortController;
  /** The track being prepared. */
  readonly key: string;
  /** The public promise, so a repeated prefetch of the same track joins it. */
  promise?: Promise<PlayerStream>;
}

/** What {@link SlotTable.park} displaced: tokens the player must now release. */
export interface Displaced {
  /** The slot's previous stream (rotated or replaced), unless it was the same token. */
  old: Parked | undefined;
  /** Parked prefetch or warm streams of the track that just became current. */
  consumed: Parked[];
}

/** The three slots and their newest calls. */
export class SlotTable {
  readonly #parked: Record<PlayerSlot, Parked | undefined> = {
    current: undefined,
    prefetch: undefined,
    warm: undefined,
  };
  readonly #versions: Record<PlayerSlot, number> = { current: 0, prefetch: 0, warm: 0 };
  readonly #inFlight: Record<PlayerSlot, InFlight | undefined> = {
    current: undefined,
    prefetch: undefined,
    warm: undefined,
  };

  /** The stream a slot holds. */
  parked(slot: PlayerSlot): Parked | undefined {
    return this.#parked[slot];
  }

  /** The call in flight for a slot. */
  pending(slot: PlayerSlot): InFlight | undefined {
    return this.#inFlight[slot];
  }

  /**
   * Registers a new call for a slot: bumps the slot's version, aborts the older call (which
   * stops being current) and makes this one the slot's in-flight call.
   */
  begin(slot: PlayerSlot, key: string): InFlight {
    const version = ++this.#versions[slot];
    this.#inFlight[slot]?.controller.abort();
    const call: InFlight = { slot, version, controller: new AbortController(), key };
    this.#inFlight[slot] = call;
    return call;
  }

  /** Whether no newer call (nor a cancel) has superseded `call`. */
  isCurrent(call: InFlight): boolean {
    return this.#versions[call.slot] === call.version;
  }

  /** The call's native wait is over: it is no longer in flight (if it still was). */
  end(call: InFlight): void {
    if (this.#inFlight[call.slot] === call) this.#inFlight[call.slot] = undefined;
  }

  /**
   * Supersedes and aborts a slot's in-flight call.
   * @returns whether a call was in flight.
   */
  cancel(slot: PlayerSlot): boolean {
    const call = this.#inFlight[slot];
    if (!call) return false;
    this.#versions[slot] += 1;
    this.#inFlight[slot] = undefined;
    call.controller.abort();
    return true;
  }

  /**
   * Parks a ready stream in its slot. A new current stream also takes the prefetch and warm
   * slots' streams of the same track out of them; a prefetch or warm stream touches only its
   * own slot (a warm never evicts the prefetch).
   * @returns the streams it displaced, which are no longer in any slot.
   */
  park(parked: Parked): Displaced {
    const old = this.#parked[parked.slot];
    this.#parked[parked.slot] = parked;
    const consumed: Parked[] = [];
    if (parked.slot === 'current') {
      for (const other of ['prefetch', 'warm'] as const) {
        const held = this.#parked[other];
        if (held?.key === parked.key) {
          this.#parked[other] = undefined;
          consumed.push(held);
        }
      }
    }
    return { old: old && old.token !== parked.token ? old : undefined, consumed };
  }

  /** The slot that holds `token`, if any. */
  slotOf(token: string): PlayerSlot | undefined {
    return SLOTS.find((s) => this.#parked[s]?.token === token);
  }

  /**
   * Clears whichever slot holds `token`.
   * @returns that slot, or undefined when no slot held it.
   */
  takeToken(token: string): PlayerSlot | undefined {
    const slot = SLOTS.find((s) => this.#parked[s]?.token === token);
    if (slot) this.#parked[slot] = undefined;
    return slot;
  }

  /** Empties all three slots. @returns what they held, in slot order. */
  takeAll(): Parked[] {
    return SLOTS.flatMap((slot) => {
      const parked = this.#parked[slot];
      this.#parked[slot] = undefined;
      return parked ? [parked] : [];
    });
  }

  /** A snapshot of the three slots (copies; changing them changes nothing). */
  snapshot(): PlayerSlots {
    const out: PlayerSlots = {};
    for (const slot of SLOTS) {
      const parked = this.#parked[slot];
      if (parked) out[slot] = stateOf(parked);
    }
    return out;
  }
}

/** The public view of a slot's stream (without its key). */
export function stateOf(parked: Parked): PlayerSlotState {
  const { key: _key, ...state } = parked;
  return { ...state };
}

/** The stream fields of a parked (or ready) stream, as the player's calls resolve with them. */
export function streamOf(parked: PlayerStream): PlayerStream {
  return {
    url: parked.url,
    token: parked.token,
    fileSize: parked.fileSize,
    mimeType: parked.mimeType,
  };
}
