"""The technicians' REST API (/api/v1/): one module per area, wired in ``repairs.api.urls``."""
