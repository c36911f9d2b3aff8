"""The native evaluator: Excel's formulas evaluated in Python, within a known, trusted subset."""
