// binding.d.ts against the addon that really loads (lib/native.ts, so PREBUILDS_ONLY=1 checks the
// prebuild): the same exports, the same NativeSession members, each method's arity and whether it
// answers with a promise. The declarations are read with the TypeScript compiler API; the addon
// is probed on a loopback session with no torrent that can reach a peer (nothing leaves lo).
//
// N-API functions all report `length` 0, so arity is probed: a method declared with n required
// parameters must reject a call with fewer (BAD_INPUT), and must accept n valid arguments.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import ts from 'typescript';
import type { NativeBinding } from '../../binding.d.ts';
import { LOOPBACK_SETTINGS } from '../../lib/index.ts';
import { loadBinding } from '../../lib/native.ts';
import { tempDir } from '../helpers.ts';

const BINDING_D_TS = fileURLToPath(new URL('../../binding.d.ts', import.meta.url));

interface Param {
  name: string;
  type: ts.TypeNode | undefined;
  optional: boolean;
}

interface Member {
  kind: 'method' | 'property';
  params: Param[];
  /** The declared type (property) or return type (method). */
  type: ts.TypeNode | undefined;
}

interface Declarations {
  source: ts.SourceFile;
  interfaces: Map<string, Map<string, Member>>;
  classes: Map<string, { ctor: Param[]; members: Map<string, Member> }>;
}

function paramsOf(node: ts.SignatureDeclarationBase): Param[] {
  return node.parameters.map((p) => ({
    name: p.name.getText(),
    type: p.type,
    optional: p.questionToken !== undefined || p.initializer !== undefined,
  }));
}

function memberOf(node: ts.Node): [string, Member] | undefined {
  if (!('name' in node) || !node.name) return undefined;
  const name = (node.name as ts.PropertyName).getText();
  if (ts.isMethodDeclaration(node) || ts.isMethodSignature(node)) {
    return [name, { kind: 'method', params: paramsOf(node), type: node.type }];
  }
  if (ts.isPropertyDeclaration(node) || ts.isPropertySignature(node)) {
    return [name, { kind: 'property', params: [], type: node.type }];
  }
  return undefined;
}

function membersOf(nodes: readonly ts.Node[]): Map<string, Member> {
  const members = new Map<string, Member>();
  for (const node of nodes) {
    const member = memberOf(node);
    if (member) members.set(...member);
  }
  return members;
}

function readDeclarations(path: string): Declarations {
  const source = ts.createSourceFile(
    path,
    readFileSync(path, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
  );
  const interfaces = new Map<string, Map<string, Member>>();
  const classes = new Map<string, { ctor: Param[]; members: Map<string, Member> }>();
  for (const statement of source.statements) {
    if (ts.isInterfaceDeclaration(statement)) {
      const members = membersOf(statement.members);
      interfaces.set(statement.name.text, members);
    } else if (ts.isClassDeclaration(statement) && statement.name) {
      const ctor = statement.members.find(ts.isConstructorDeclaration);
      const members = membersOf(statement.members);
      classes.set(statement.name.text, { ctor: ctor ? paramsOf(ctor) : [], members });
    }
  }
  return { source, interfaces, classes };
}

const declared = readDeclarations(BINDING_D_TS);

function text(type: ts.TypeNode | undefined): string {
  return type ? type.getText(declared.source) : 'any';
}

/** What `typeof` may say of a value of the declared type ('promise' for a Promise<...>). */
function kinds(type: ts.TypeNode | undefined): Set<string> {
  if (!type) return new Set(['any']);
  if (ts.isUnionTypeNode(type)) return new Set(type.types.flatMap((t) => [...kinds(t)]));
  if (ts.isParenthesizedTypeNode(type)) return kinds(type.type);
  if (ts.isTypeQueryNode(type)) return new Set(['function']);
  if (ts.isFunctionTypeNode(type)) return new Set(['function']);
  if (ts.isTypeLiteralNode(type) || ts.isArrayTypeNode(type) || ts.isTupleTypeNode(type)) {
    return new Set(['object']);
  }
  if (ts.isTypeReferenceNode(type)) {
    const name = type.typeName.getText(declared.source);
    if (name === 'Promise') return new Set(['promise']);
    if (name === 'Record') return new Set(['object']);
    // Interfaces and type aliases of object shapes (NativeStreamStats = StreamStats, ...).
    return new Set(['object']);
  }
  switch (type.kind) {
    case ts.SyntaxKind.StringKeyword:
      return new Set(['string']);
    case ts.SyntaxKind.NumberKeyword:
      return new Set(['number']);
    case ts.SyntaxKind.BooleanKeyword:
      return new Set(['boolean']);
    case ts.SyntaxKind.VoidKeyword:
    case ts.SyntaxKind.UndefinedKeyword:
      return new Set(['undefined']);
    case ts.SyntaxKind.LiteralType:
      if ((type as ts.LiteralTypeNode).literal.kind === ts.SyntaxKind.NullKeyword) {
        return new Set(['null']);
      }
  }
  throw new Error(`typings test: no rule for the type ${text(type)}; teach kinds() about it`);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Promise) return 'promise';
  return typeof value;
}

function names(map: Map<string, unknown>): string[] {
  return [...map.keys()].sort();
}

function interfaceNamed(name: string): Map<string, Member> {
  const members = declared.interfaces.get(name);
  if (!members) throw new Error(`binding.d.ts declares no interface ${name}`);
  return members;
}

function sessionClass(): { ctor: Param[]; members: Map<string, Member> } {
  const cls = declared.classes.get('NativeSession');
  if (!cls) throw new Error('binding.d.ts declares no class NativeSession');
  return cls;
}

/** Checks an object's own keys and their kinds against a declared interface. */
function matchesInterface(t: ExecutionContext, value: object, name: string): void {
  const members = interfaceNamed(name);
  t.deepEqual(Object.keys(value).sort(), names(members), `${name}: keys`);
  for (const [key, member] of members) {
    const actual = kindOf((value as Record<string, unknown>)[key]);
    t.true(
      kinds(member.type).has(actual),
      `${name}.${key}: declared ${text(member.type)}, is ${actual}`,
    );
  }
}

const DEAD_MAGNET = `magnet:?xt=urn:btih:${'7'.repeat(40)}`;
const TOKEN = 'a'.repeat(48);
let nextOpId = 1;

/**
 * A valid argument for a declared parameter. The requests name a magnet with no tracker and no
 * peer hint on a DHT-less session: its wait can only end by a cancel.
 */
function sample(param: Param): unknown {
  const type = text(param.type);
  switch (type) {
    case 'string':
      return TOKEN;
    case 'number':
      return nextOpId++;
    case 'NativeListRequest':
      return { opId: nextOpId++, magnet: DEAD_MAGNET };
    case 'boolean':
      return false;
    case 'string[]':
      return ['127.0.0.1:9'];
    case 'NativeReadRequest':
      // No read is open under this id: the call must say NOT_FOUND, whatever it is cancelled by.
      return { opId: nextOpId++, readId: 0xdead, position: 0, length: 1 };
    case 'NativePrepareRequest':
      return { opId: nextOpId++, magnet: DEAD_MAGNET, fileIndex: 0 };
    case 'NativeSessionConfig':
      return { storagePath: tempDir(), settings: { ...LOOPBACK_SETTINGS } };
  }
  throw new Error(`typings test: no sample for ${param.name}: ${type}; add one`);
}

/** What a call did: returned a value, threw, or returned a promise that settled. */
type Outcome =
  | { how: 'returned'; value: unknown }
  | { how: 'threw'; error: unknown }
  | { how: 'resolved'; value: unknown }
  | { how: 'rejected'; error: unknown };

async function outcome(run: () => unknown): Promise<Outcome> {
  let value: unknown;
  try {
    value = run();
  } catch (error) {
    return { how: 'threw', error };
  }
  if (!(value instanceof Promise)) return { how: 'returned', value };
  return value.then(
    (v: unknown) => ({ how: 'resolved', value: v }),
    (error: unknown) => ({ how: 'rejected', error }),
  );
}

function codeOf(result: Outcome): string | undefined {
  if (result.how !== 'threw' && result.how !== 'rejected') return undefined;
  return (result.error as { code?: string }).code;
}

/**
 * Methods that by design ignore a missing argument instead of failing with BAD_INPUT, and what
 * they must do then. `cancel` runs from an AbortSignal listener: it never throws.
 */
const LENIENT: Record<string, string> = { cancel: 'returns undefined and does nothing' };

let binding: NativeBinding;
test.before(() => {
  try {
    binding = loadBinding();
  } catch (error) {
    throw new Error(`no addon to check: build it first (npm run compile): ${String(error)}`);
  }
});

test('the addon exports exactly what NativeBinding declares, of the declared kinds', (t) => {
  matchesInterface(t, binding, 'NativeBinding');
  matchesInterface(t, binding.build, 'NativeBuildInfo');
});

test('NativeSession has exactly the declared members: methods on the prototype, properties as getters', (t) => {
  const { members } = sessionClass();
  const proto = binding.NativeSession.prototype as object;
  const own = Object.getOwnPropertyNames(proto).filter((n) => n !== 'constructor');
  t.deepEqual(own.sort(), names(members));
  for (const [name, member] of members) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, name);
    if (member.kind === 'method') {
      t.is(typeof descriptor?.value, 'function', `${name} is a method`);
    } else {
      t.is(typeof descriptor?.get, 'function', `${name} is a getter`);
      t.is(descriptor?.set, undefined, `${name} is read-only`);
    }
  }
});

test('the constructor needs its declared arguments', async (t) => {
  const { ctor } = sessionClass();
  const required = ctor.filter((p) => !p.optional);
  for (let given = 0; given < required.length; given++) {
    const args = required.slice(0, given).map(sample);
    const result = await outcome(() => new binding.NativeSession(...(args as [never])));
    t.is(result.how, 'threw', `new NativeSession with ${given} of ${required.length} arguments`);
    t.is(codeOf(result), 'BAD_INPUT');
  }
  const session = new binding.NativeSession(...(required.map(sample) as [never]));
  await session.close();
  t.pass();
});

test('each method needs exactly its declared arguments and answers as declared', async (t) => {
  const { ctor, members } = sessionClass();
  const session = new binding.NativeSession(...(ctor.map(sample) as [never]));
  let closed = false;
  t.teardown(() => (closed ? undefined : session.close()));
  const call = (name: string, args: unknown[]) => () =>
    (session as unknown as Record<string, (...a: unknown[]) => unknown>)[name]?.(...args);

  // close last: after it every other call fails with CLOSED.
  const methods = [...members].filter(([, m]) => m.kind === 'method');
  methods.sort(([a], [b]) => Number(a === 'close') - Number(b === 'close'));
  for (const [name, member] of methods) {
    const returns = kinds(member.type);
    const required = member.params.filter((p) => !p.optional);
    for (let given = 0; given < required.length; given++) {
      const result = await outcome(call(name, required.slice(0, given).map(sample)));
      const what = `${name} with ${given} of ${required.length} arguments`;
      if (name in LENIENT) {
        t.deepEqual(result, { how: 'returned', value: undefined }, `${what}: ${LENIENT[name]}`);
        continue;
      }
      // A method declared to return a promise reports bad input by rejecting it, never by throwing.
      t.is(result.how, returns.has('promise') ? 'rejected' : 'threw', what);
      t.is(codeOf(result), 'BAD_INPUT', what);
    }

    const args = required.map(sample);
    const opId = (args[0] as { opId?: unknown } | undefined)?.opId;
    const running = outcome(call(name, args));
    if (typeof opId === 'number') {
      // A request for the dead magnet waits until cancelled: what ends it must be the cancel.
      session.cancel(opId);
      const result = await running;
      t.is(result.how, 'rejected', `${name}: cancelled`);
      t.is(
        codeOf(result),
        name === 'read' ? 'NOT_FOUND' : 'CANCELLED',
        `${name}: the declared arguments suffice, and it was cancelled`,
      );
      continue;
    }
    const result = await running;
    if (name === 'close') closed = true;
    const what = `${name}(${required.map((p) => p.name).join(', ')})`;
    t.not(codeOf(result), 'BAD_INPUT', `${what}: the declared arguments suffice`);
    if (result.how === 'returned') {
      t.true(returns.has(kindOf(result.value)), `${what}: declared ${text(member.type)}`);
    } else {
      t.true(
        returns.has('promise'),
        `${what} answered with a promise: declared ${text(member.type)}`,
      );
    }
  }
});
