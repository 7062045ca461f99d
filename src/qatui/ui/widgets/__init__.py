"""Widgets of the qatui app: they receive data as attributes and post messages; no I/O."""
