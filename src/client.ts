/**
 * createClient(): the public entry of the framework-free core. KalamDB is the default protocol:
 * `createClient({ url, auth, ...KalamDB options })` builds `kalamdbDriver(options)`; any other
 * driver goes in as `createClient({ driver, auth?, ...common options })`. Behaviour: docs/SPEC.md.
 */
import type { AuthOption } from './connection/credentials.js';
import { UsageError } from './errors.js';
import { createDriverClient } from './createDriverClient.js';
import type { CommonClientOptions, DriverClientOptions } from './createDriverClient.js';
import { kalamdbDriver } from './protocol/kalamdb/kalamdbDriver.js';
import type { KalamDriverOptions } from './protocol/kalamdb/kalamdbDriver.js';
import type { LivebindClient } from './types.js';

export type { CommonClientOptions, DriverClientOptions } from './createDriverClient.js';

/** `createClient` for KalamDB (the default): the server URL, credentials and KalamDB's options. */
export interface KalamClientOptions extends CommonClientOptions, KalamDriverOptions {
  readonly auth: AuthOption;
  readonly protocol?: 'kalamdb';
  readonly driver?: undefined;
}

export type ClientOptions = KalamClientOptions | DriverClientOptions;

export function createClient(options: ClientOptions): LivebindClient {
  if (options.driver !== undefined) return createDriverClient(options);
  if ((options.protocol ?? 'kalamdb') !== 'kalamdb') {
    throw new UsageError(`Unknown protocol "${String(options.protocol)}": only "kalamdb" is built in; pass others as { driver }.`, {
      code: 'INVALID_OPTION',
    });
  }
  // The KalamDB options go to the driver; createDriverClient reads only the common ones.
  return createDriverClient({ ...options, driver: kalamdbDriver(options) });
}
