"""Support's hooks views."""
