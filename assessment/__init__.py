"""The imperative shell: everything between the pure core and the pages.

Rooms, each a package whose docstring says what it owns and may import: storage (database,
tables, migrations), accounts (identity, access, audit, organisations), submissions (the life of
an assessment), certificates, reports, pdf (shared PDF parts), benchmark, library (uploaded and
configured standards), excel, demo and cli. `errors` and `text` (the checks of typed text) are
shared by all. assessment/ imports standards/ and scoring/, never ui/.
"""
