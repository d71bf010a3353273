"""`python -m standards` validates the bundled library (same as `zhizao standards validate`)."""

import sys

from standards.cli import validate_main

sys.exit(validate_main(sys.argv[1:]))
