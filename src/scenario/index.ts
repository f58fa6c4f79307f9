/** Scenario files: format (schema.ts), loading and validation (load.ts), matrix expansion (expand.ts). */
export type { CaseSpec, LoadSpec, Plan } from '../plan/types.js';
export { loadPlan, planFromText, listBuiltinScenarios, resolveScenario, builtinDir } from './load.js';
export type { ScenarioLocation } from './load.js';
export { parseOverrides } from './overrides.js';
export type { Overrides, ParsedOverrides } from './overrides.js';
export { assignIds, builtinDefaults, estimatePlanMs, expandScenario, formatSizeExact } from './expand.js';
export { matrixKeys, scenarioJsonSchema, ScenarioSchema } from './schema.js';
export type { MatrixKey, Scenario } from './schema.js';
