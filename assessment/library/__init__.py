"""The criteria library as this installation uses it: checking an uploaded standard file (check)
and the values administrators set for parameters the sources leave NOT FOUND (configured).
Imports standards, accounts and storage."""
