/**
 * KalamDB endpoints beyond SQL and auth, registered with one line in createRequestHandler:
 * topics (`/v1/api/topics/*`, server/topics) and FILE downloads (`/v1/files/*`, server/files).
 */
import type * as http from 'node:http';
import type { PgliteEngine } from '../engine/pgliteEngine.js';
import { handleFileDownload } from '../files/fileDownload.js';
import { topicRoutes } from '../topics/topicHttp.js';

export type ExtensionRoute = (path: string, req: http.IncomingMessage, res: http.ServerResponse, headers: Record<string, string>) => Promise<boolean>;

export function extensionRoutes(engine: PgliteEngine): ExtensionRoute {
  const topics = topicRoutes(engine);
  return async (path, req, res, headers) => {
    if (path.startsWith('/v1/api/topics/')) return topics(path, req, res, headers);
    if (path.startsWith('/v1/files/')) {
      await handleFileDownload(path, req, res, engine, headers);
      return true;
    }
    return false;
  };
}
