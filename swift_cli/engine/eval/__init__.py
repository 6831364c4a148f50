"""`swift eval` on EvalScope: dataset resolution, the local server, the run, reports and comparisons (session.run)."""
