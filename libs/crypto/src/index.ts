export * from './random';
export * from './hashing';
export * from './sealing';
export * from './backup-code';
export * from './concurrency-limit';
