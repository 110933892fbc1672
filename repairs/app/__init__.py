"""The technicians' phone app: an installable web app (PWA) served at /app/.

Django serves only the shell, the manifest and the service worker; everything the app shows or
changes goes through the public REST API at /api/v1/, like any other client.
"""
