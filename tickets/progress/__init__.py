"""The customer's side of a ticket: lookup, the progress page's reads, completion prediction and
invoice requests. Views live in ``tickets/views/progress.py``."""
