"""Placing packages: the cascade's steps, each run inside the caller's transaction."""
