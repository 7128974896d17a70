"""Tech support in the Django admin; every change goes through a service."""
