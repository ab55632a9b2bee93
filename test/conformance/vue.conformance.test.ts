import { runConformance } from './scenarios.js';
import { vueDriver } from './drivers/vue.js';

runConformance(vueDriver);
