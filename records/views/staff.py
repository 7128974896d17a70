"""The staff side of the clinical record: plans, session notes, hours."""
