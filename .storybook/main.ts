import type { StorybookConfig } from '@storybook/react-vite';

/**
 * Storybook for the livebind demos (stories/), rendered with React + Vite. The demos talk to the
 * embedded dev server: `npm start` runs both; see README "Storybook".
 */
const config: StorybookConfig = {
  framework: '@storybook/react-vite',
  stories: ['../stories/**/*.stories.@(ts|tsx)'],
  addons: ['@storybook/addon-vitest'],
  core: { disableTelemetry: true },
  typescript: { reactDocgen: false },
};

export default config;
