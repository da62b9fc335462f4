"""Homes and their members: whose devices are whose (the home app builds on this)."""
