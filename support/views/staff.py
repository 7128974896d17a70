"""Support's staff views."""
