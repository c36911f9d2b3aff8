"""Workbooks on disk: safe zip/XML reading, value writing, recalculation engines and the copies
the add-in writes (:mod:`.values`: a copy for colleagues without the add-in)."""
