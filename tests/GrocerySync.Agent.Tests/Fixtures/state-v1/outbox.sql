-- The outbox as a version-1 agent left it: items 1-6 delivered and deleted, 7-9 (events) and 4-5 (log lines) waiting.
-- Version 1 had no sizes, no dropped-lines counter and no indexes (see AgentState's version history).
CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, kind INTEGER NOT NULL, payload TEXT NOT NULL);
CREATE TABLE logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NULL, level INTEGER NOT NULL, payload TEXT NOT NULL);
INSERT INTO events (seq, run_id, kind, payload) VALUES
  (7, '0192f0a0-0000-7000-8000-0000000000a1', 0, '{"sequence":0,"runId":"0192f0a0-0000-7000-8000-0000000000a1","kind":"Started","at":"2026-11-20T10:00:00+00:00"}'),
  (8, '0192f0a0-0000-7000-8000-0000000000a1', 1, '{"sequence":0,"runId":"0192f0a0-0000-7000-8000-0000000000a1","kind":"Progress","at":"2026-11-20T10:00:02+00:00","counts":{"read":500,"changed":500,"written":500,"rejected":0,"bytesWritten":40000}}'),
  (9, '0192f0a0-0000-7000-8000-0000000000a1', 2, '{"sequence":0,"runId":"0192f0a0-0000-7000-8000-0000000000a1","kind":"Finished","at":"2026-11-20T10:00:03+00:00","counts":{"read":800,"changed":800,"written":800,"rejected":2,"bytesWritten":64000},"finalStatus":"Succeeded"}');
INSERT INTO logs (seq, run_id, level, payload) VALUES
  (4, '0192f0a0-0000-7000-8000-0000000000a1', 2, '{"sequence":0,"runId":"0192f0a0-0000-7000-8000-0000000000a1","timestamp":"2026-11-20T10:00:00+00:00","level":"Information","category":"GrocerySync.Agent.Runs.RunExecutor","message":"Run started (version 1)"}'),
  (5, '0192f0a0-0000-7000-8000-0000000000a1', 3, '{"sequence":0,"runId":"0192f0a0-0000-7000-8000-0000000000a1","timestamp":"2026-11-20T10:00:03+00:00","level":"Warning","category":"GrocerySync.Agent.Runs.RunExecutor","message":"2 rows rejected (version 1)"}');
PRAGMA user_version = 1;
