"""Screens of the qatui app."""
