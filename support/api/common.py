"""What the support API views share: the scopes."""
