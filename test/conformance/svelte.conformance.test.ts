import { runConformance } from './scenarios.js';
import { svelteDriver } from './drivers/svelte.svelte.js';

runConformance(svelteDriver);
