"""Feature package; see the module docstrings."""
