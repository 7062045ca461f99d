"""The built-in demo: a loopback target (`target.py`) and its checklist, for `qatui demo`."""
