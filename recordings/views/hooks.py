"""Webhooks from recording providers (LiveKit's egress and participant events) come here."""
