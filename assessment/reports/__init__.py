"""Assessment reports: what a report says, gathered from a result (data), and its PDF (pdf).
Pure data in, deterministic bytes out; imports pdf and scoring."""
