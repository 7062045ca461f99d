"""The checklist loader's parts: `qatui.core.loader` is the door (load_checklist, load_yaml,
summary); this package holds the rooms behind it, one per part of the file.

- `keys.py`: every key table, name pattern and limit the format allows (the docs agree with it)
- `positions.py`: where something is written (file:line:col inside a scalar, every key of a probe)
- `reader.py`: the walk's state and its typed value readers (string, number, list, id, regex …)
- `top_keys.py`: notes, settings, secrets, from_env
- `environments.py`: environments, compose, log sources
- `items.py`: sections, items, probes (the probe's own keys: `probe_checker.py` and the kinds)
- `signoff.py`: metrics and the sign-off
- `assign.py`: `assign:` (who tests what), its ids checked against the sections and items
- `cross_checks.py`: what needs the whole file (log-source names, `${…}` variables, cycles)
- `validator.py`: one class made of the above that turns a parsed tree into the model

Nothing here imports the cache (`checklist_cache` wraps the loader) and this `__init__` imports
nothing, so a kind module can name `ProbeChecker` for its types without loading the rest.
"""
