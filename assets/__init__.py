"""The assets and asset checks; beneath them the machinery they are made of."""
