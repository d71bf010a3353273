"""Demo data for `make run`: fictitious firms, accounts and assessments in every state (seed)
and the synthetic peer cohort (cohort). Imports the services it seeds through."""
