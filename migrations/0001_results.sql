-- Experiment results (src/results/): one row per experiment × arm × goal × UTC day, summed
-- from the ExperimentCounter objects' flushes. Goal "" holds exposure rows (units, impressions,
-- clicks, expected units for the sample-ratio check); a goal's rows hold its conversions.
CREATE TABLE IF NOT EXISTS aggregates (
  experiment TEXT NOT NULL,
  arm TEXT NOT NULL,
  goal TEXT NOT NULL,
  day TEXT NOT NULL,
  units_exposed INTEGER NOT NULL DEFAULT 0,
  units_converted INTEGER NOT NULL DEFAULT 0,
  impressions INTEGER NOT NULL DEFAULT 0,
  clicks INTEGER NOT NULL DEFAULT 0,
  conversions INTEGER NOT NULL DEFAULT 0,
  value_sum REAL NOT NULL DEFAULT 0,
  value_sum_sq REAL NOT NULL DEFAULT 0,
  -- Σ over first exposures of this arm's share in force then (Σₚ nₚ·wₚ): the SRM expectation.
  expected_units REAL NOT NULL DEFAULT 0,
  PRIMARY KEY (experiment, arm, goal, day)
);

-- The last flush batch each counter object applied: a retried flush with a batch number at
-- or below it changes nothing (alarms are at-least-once).
CREATE TABLE IF NOT EXISTS flush_watermarks (
  counter TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL
);
