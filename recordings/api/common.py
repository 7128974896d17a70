"""What the recordings API views share."""
