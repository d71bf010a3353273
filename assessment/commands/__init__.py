"""Sub-command groups of the `zhizao` command line."""
