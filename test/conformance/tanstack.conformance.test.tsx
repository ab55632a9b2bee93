// livebind/tanstack-query through the shared scenarios (React 19 + @tanstack/react-query).
import { QueryClient } from '@tanstack/react-query';
import { beforeEach } from 'vitest';
import { runConformance } from './scenarios.js';
import { tanstackDriver } from './drivers/tanstack.js';

let queryClient = new QueryClient();
beforeEach(() => {
  queryClient.clear();
  queryClient = new QueryClient();
});

const CHANNELS = 'livebind/tanstack-query caches queries only; presence and broadcast come from livebind/react';
runConformance(tanstackDriver(() => queryClient), {
  'connection status': 'no connection-state query; use livebind/react useConnectionState',
  'presence join, update and leave': CHANNELS,
  'broadcast round trip': CHANNELS,
}, { mountListRenders: 3, updateListRenders: 1 });
