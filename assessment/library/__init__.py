"""The criteria library as this installation uses it: checking an uploaded standard file (check)
and the values administrators set for parameters the sources leave NOT FOUND (configured),
and the figures of a standard that the command line and the library page show (summary).
Imports standards, scoring, accounts and storage."""
