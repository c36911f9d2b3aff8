"""``python -m xl_addin.template``: write the template workbook."""

import sys

from .workbook import main

sys.exit(main())
