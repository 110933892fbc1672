"""Analytics for managers, ops and product quality: daily rollups kept current by a schedule, read by pages.

``models`` holds the rollup tables (collected under the ``tickets`` app), ``rollup`` recomputes the days that
changed, ``selectors`` reads the rollups scoped by the viewer's centres, ``spikes`` runs the fault-spike test,
``views``/``urls`` serve the pages inside the admin, ``export`` writes CSV/XLSX and ``charts`` draws SVG.
"""
