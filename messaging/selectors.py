"""Every read of messaging data, given the viewer."""
