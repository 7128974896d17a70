"""Client pages: none yet of its own (the recording indicator is a panel on the session page;
playback and access requests come with them)."""
