"""Former home of the native evaluator, now :mod:`xl_addin.workbook.native.evaluator`.

``xl_addin.fastcalc`` is that module itself (one module object, so patching either name patches
both); kept so existing imports work.
"""

import sys

from .workbook.native import evaluator

sys.modules[__name__] = evaluator
