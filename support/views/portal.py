"""Support's portal views."""
