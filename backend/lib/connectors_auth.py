"""Where readers of the migration guide look for the Google connectors' token; the work lives in
`lib/google/connectors.py`."""

from lib.google.connectors import google_access_token

__all__ = ["google_access_token"]
