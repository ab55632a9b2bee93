import { svelteBench } from './svelte.run.svelte.js';

svelteBench();
