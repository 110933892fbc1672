"""The import framework shared by every app's ``resources.py``: reading files as ops have them
(``reading``), cells (``cells``), importers (``base``), the run (``runner``), the files given back
(``files``) and the jobs (``jobs``)."""
