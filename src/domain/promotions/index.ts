// The promotion engine of issue 8 §1: definitions, CSV import and the engine, in one import.
export * from './promotion.ts';
export * from './promotion-csv.ts';
export * from './engine.ts';
