import { patternNames } from '../../src/patterns/registry.js';
import { contractSuite } from './contract.js';

for (const name of patternNames) contractSuite(name);
