-- Monthly partitions for security_events (docs/scaling.md). Optional: for
-- deployments whose audit trail grows by tens of millions of rows a day,
-- where dropping a month is instant and deleting it row by row is not.
-- test/partitioning.e2e-spec.ts runs these statements (with its own dates)
-- against the migrated schema and checks the API still works on it.
--
-- With partitions, set AUDIT_RETENTION_DAYS=0 (the retention job then
-- leaves security_events alone) and drop whole months instead.

-- 1. Once. MySQL/MariaDB need the partitioning column in every unique key,
--    so the primary key becomes (id, createdAt). On a large table, run both
--    with an online schema-change tool (gh-ost, pt-online-schema-change).
ALTER TABLE security_events DROP PRIMARY KEY, ADD PRIMARY KEY (id, createdAt);
ALTER TABLE security_events PARTITION BY RANGE COLUMNS (createdAt) (
  PARTITION p_before_2027_01 VALUES LESS THAN ('2027-01-01'),
  PARTITION p2027_01 VALUES LESS THAN ('2027-02-01'),
  PARTITION p_future VALUES LESS THAN (MAXVALUE)
);

-- 2. Every month, a few days before it starts: split the open-ended one.
ALTER TABLE security_events REORGANIZE PARTITION p_future INTO (
  PARTITION p2027_02 VALUES LESS THAN ('2027-03-01'),
  PARTITION p_future VALUES LESS THAN (MAXVALUE)
);

-- 3. Every month, once its events are past your retention: drop the oldest.
ALTER TABLE security_events DROP PARTITION p_before_2027_01;
