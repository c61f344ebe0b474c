export * from './random';
export * from './hashing';
export * from './sealing';
export * from './backup-code';
