import type { LivebindParameters } from '../withLivebind.js';
import { ensureDemoData } from './demoData.js';
import { devServerUrl } from './devServerUrl.js';

/** A Storybook loader (any story's `loaders`): the demo tables and users exist before it renders. */
export async function loadDemoData(context: { readonly parameters: Record<string, unknown> }): Promise<Record<string, never>> {
  const parameters = (context.parameters['livebind'] ?? {}) as LivebindParameters;
  await ensureDemoData(parameters.url ?? devServerUrl());
  return {};
}
