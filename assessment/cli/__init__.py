"""The `zhizao` command line: one module per command group, each registering its sub-commands
(main.py builds the parser and imports only the module of the command being run); batch
scoring (batch). The command line is a user of the other rooms, which never import it."""
