/**
 * vitest's jsdom environment replaces the global typed arrays and ArrayBuffer with jsdom's own
 * (another realm), so Node APIs (TextEncoder, Buffer, crypto, zlib) hand out values that fail
 * `instanceof Uint8Array` — which breaks jose inside the dev server these tests start in-process.
 * Restore Node's constructors, as vitest's node environment does. React DOM does not care.
 */
const nodeUint8Array = Object.getPrototypeOf(Buffer.prototype).constructor as Uint8ArrayConstructor;
const nodeArrayBuffer = Buffer.alloc(1).buffer.constructor as ArrayBufferConstructor;
Object.assign(globalThis, { Uint8Array: nodeUint8Array, ArrayBuffer: nodeArrayBuffer });
for (const name of ['Uint16Array', 'Uint32Array', 'Uint8ClampedArray', 'Int8Array', 'Int16Array', 'Int32Array', 'Float32Array', 'Float64Array'] as const) {
  const jsdomCtor = globalThis[name] as unknown as new (length: number) => object;
  const nodeCtor = (structuredClone(new jsdomCtor(1)) as object).constructor;
  Object.assign(globalThis, { [name]: nodeCtor });
}

// The hooks under test talk to a real dev server in the same process; on a small shared machine a
// round trip can take seconds. waitFor/findBy wait up to 10 s (the default 1 s made them flaky),
// still far below the test timeout, so a hook that never delivers still fails.
import { configure } from '@testing-library/react';
configure({ asyncUtilTimeout: 10_000 });
