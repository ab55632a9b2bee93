// React 19 (project adapters-react19) and React 18 (adapters-react18, react aliased) through one driver.
import { version } from 'react';
import { runConformance } from './scenarios.js';
import { reactDriver } from './drivers/react.js';

runConformance(reactDriver(`React ${version.split('.')[0]}`));
