import { runConformance } from './scenarios.js';
import { solidDriver } from './drivers/solid.js';

runConformance(solidDriver);
