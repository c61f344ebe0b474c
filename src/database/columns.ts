import { Column, ColumnOptions } from 'typeorm';

/**
 * Column shapes that mean the same on MySQL/MariaDB (production, tests) and
 * on the embedded SQLite (development). Dates keep milliseconds and are UTC.
 */
export const DateColumn = (options: ColumnOptions = {}) => Column({ type: 'datetime', precision: 3, ...options });
export const NullableDateColumn = (options: ColumnOptions = {}) => DateColumn({ nullable: true, ...options });
export const IdColumn = (options: ColumnOptions = {}) => Column({ type: 'varchar', length: 36, ...options });
/** Hex SHA-256/HMAC digests. */
export const DigestColumn = (options: ColumnOptions = {}) => Column({ type: 'varchar', length: 64, ...options });
