"""Who acts and what they may see: the Principal and local accounts (identity), tenant filters
(access), the append-only audit log and its readable trail (audit), organisations and their
classification codes (organisations, classifications). Imports storage, errors and text."""
