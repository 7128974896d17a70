"""The client's side of the clinical record: their treatment plan, their hours, their notes."""
