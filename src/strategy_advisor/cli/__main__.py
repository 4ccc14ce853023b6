"""``python -m strategy_advisor.cli``: the ``strategy-advisor`` command."""

import sys

from . import main

if __name__ == "__main__":  # importing this module (doctest collection) runs nothing
    sys.exit(main())
