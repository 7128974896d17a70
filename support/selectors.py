"""Every read of tech support, always given the viewer.

Who sees what: support agents see tickets and the tech data on them, never clinical records
(DESIGN invariant 5); a client sees their own tickets and the published help for clients.
"""
