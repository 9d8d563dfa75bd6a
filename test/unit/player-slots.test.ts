// lib/player-slots.ts on its own: the three token buckets and the version guard, as pure state.
import test from 'ava';
import { type Parked, SlotTable, stateOf, streamOf } from '../../lib/player-slots.ts';
import type { PlayerSlot } from '../../lib/player-types.ts';

function stream(slot: PlayerSlot, key: string, token: string): Parked {
  return {
    slot,
    key,
    magnet: `magnet:?dn=${key}`,
    fileIdx: 0,
    url: `http://127.0.0.1:1/stream/${token}`,
    token,
    fileSize: 1000,
    mimeType: 'audio/flac',
  };
}

test('a newer call for a slot supersedes and aborts the older one', (t) => {
  const slots = new SlotTable();
  const first = slots.begin('current', 'a#0');
  t.true(slots.isCurrent(first));
  t.is(slots.pending('current'), first);
  const second = slots.begin('current', 'b#0');
  t.true(first.controller.signal.aborted);
  t.false(slots.isCurrent(first));
  t.true(slots.isCurrent(second));
  t.false(second.controller.signal.aborted);
  t.is(slots.pending('current'), second);
  // The older call's wait ends after the newer one began: it must not unregister the newer.
  slots.end(first);
  t.is(slots.pending('current'), second);
  slots.end(second);
  t.is(slots.pending('current'), undefined);
  t.true(slots.isCurrent(second), 'ending a call does not supersede it');
});

test('slots keep separate versions: a prefetch never supersedes the current call', (t) => {
  const slots = new SlotTable();
  const current = slots.begin('current', 'a#0');
  const prefetch = slots.begin('prefetch', 'a#1');
  const warm = slots.begin('warm', 'a#2');
  t.true(slots.isCurrent(current));
  t.true(slots.isCurrent(prefetch));
  t.true(slots.isCurrent(warm));
  t.false(current.controller.signal.aborted);
  t.false(prefetch.controller.signal.aborted);
});

test('cancel supersedes and aborts the in-flight call, and does nothing when idle', (t) => {
  const slots = new SlotTable();
  t.false(slots.cancel('current'), 'nothing in flight: no effect');
  const call = slots.begin('current', 'a#0');
  t.true(slots.cancel('current'));
  t.true(call.controller.signal.aborted);
  t.false(slots.isCurrent(call));
  t.is(slots.pending('current'), undefined);
  t.false(slots.cancel('current'));
  const next = slots.begin('current', 'a#0');
  t.true(slots.isCurrent(next), 'a cancel does not poison the next call');
});

test('parking the current stream rotates out the old one', (t) => {
  const slots = new SlotTable();
  const one = stream('current', 'a#0', 't1');
  t.deepEqual(slots.park(one), { old: undefined, consumed: [] });
  const two = stream('current', 'a#1', 't2');
  t.deepEqual(slots.park(two), { old: one, consumed: [] });
  t.is(slots.parked('current'), two);
});

test('parking the same token again displaces nothing', (t) => {
  const slots = new SlotTable();
  slots.park(stream('current', 'a#0', 't1'));
  t.deepEqual(slots.park(stream('current', 'a#0', 't1')), { old: undefined, consumed: [] });
});

test('a new current stream consumes parked prefetch and warm streams of its track', (t) => {
  const slots = new SlotTable();
  const prefetch = stream('prefetch', 'a#1', 'p');
  const warm = stream('warm', 'a#1', 'w');
  slots.park(prefetch);
  slots.park(warm);
  const current = stream('current', 'a#1', 'c');
  t.deepEqual(slots.park(current), { old: undefined, consumed: [prefetch, warm] });
  t.is(slots.parked('prefetch'), undefined);
  t.is(slots.parked('warm'), undefined);
});

test('a new current stream leaves other tracks parked', (t) => {
  const slots = new SlotTable();
  const prefetch = stream('prefetch', 'a#2', 'p');
  slots.park(prefetch);
  t.deepEqual(slots.park(stream('current', 'a#1', 'c')).consumed, []);
  t.is(slots.parked('prefetch'), prefetch);
});

test('a warm never evicts the prefetch, and a prefetch consumes nothing', (t) => {
  const slots = new SlotTable();
  const current = stream('current', 'a#1', 'c');
  const prefetch = stream('prefetch', 'a#1', 'p');
  slots.park(current);
  t.deepEqual(slots.park(prefetch), { old: undefined, consumed: [] });
  const warm = stream('warm', 'a#1', 'w');
  t.deepEqual(slots.park(warm), { old: undefined, consumed: [] });
  t.is(slots.parked('current'), current);
  t.is(slots.parked('prefetch'), prefetch);
  const warm2 = stream('warm', 'a#2', 'w2');
  t.deepEqual(slots.park(warm2), { old: warm, consumed: [] }, "replaces only the warm slot's own");
  t.is(slots.parked('prefetch'), prefetch);
});

test('takeToken clears the slot that held the token', (t) => {
  const slots = new SlotTable();
  slots.park(stream('current', 'a#0', 'c'));
  slots.park(stream('warm', 'a#2', 'w'));
  t.is(slots.takeToken('w'), 'warm');
  t.is(slots.parked('warm'), undefined);
  t.is(slots.takeToken('w'), undefined, 'twice: no slot holds it any more');
  t.is(slots.takeToken('unknown'), undefined);
  t.truthy(slots.parked('current'));
});

test('takeAll empties the three slots, in slot order', (t) => {
  const slots = new SlotTable();
  const warm = stream('warm', 'a#2', 'w');
  const current = stream('current', 'a#0', 'c');
  slots.park(warm);
  slots.park(current);
  t.deepEqual(slots.takeAll(), [current, warm]);
  t.deepEqual(slots.snapshot(), {});
  t.deepEqual(slots.takeAll(), []);
});

test('snapshot copies the public state, without the keys', (t) => {
  const slots = new SlotTable();
  const current = stream('current', 'a#0', 'c');
  slots.park(current);
  const snap = slots.snapshot();
  t.deepEqual(Object.keys(snap), ['current']);
  t.false('key' in (snap.current ?? {}));
  t.deepEqual(snap.current, stateOf(current));
  if (snap.current) snap.current.token = 'changed';
  t.is(slots.parked('current')?.token, 'c', 'changing the snapshot changes nothing');
});

test('streamOf keeps exactly the stream fields', (t) => {
  t.deepEqual(streamOf(stream('warm', 'a#2', 'w')), {
    url: 'http://127.0.0.1:1/stream/w',
    token: 'w',
    fileSize: 1000,
    mimeType: 'audio/flac',
  });
});
