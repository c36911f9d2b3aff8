"""Workbooks on disk: safe zip/XML reading, value writing, recalculation engines, and what the
add-in writes or exports (:mod:`.values`: a copy for colleagues without the add-in;
:mod:`.event_log`: the Section 6 event log as CSV)."""
