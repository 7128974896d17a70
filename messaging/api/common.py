"""What the messaging API's viewsets share."""
