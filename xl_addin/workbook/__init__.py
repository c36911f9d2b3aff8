"""Workbooks on disk: safe reading, value writing, recalculation engines, exports."""
