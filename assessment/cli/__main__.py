"""`python -m assessment.cli`: the same as the `zhizao` command."""

import sys

from assessment.cli.main import main

sys.exit(main())
