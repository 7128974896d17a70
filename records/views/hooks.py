"""The clinical record has no webhooks (the room exists so every app has the same shape)."""
