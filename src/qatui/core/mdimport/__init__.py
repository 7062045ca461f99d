"""The Markdown importer's parts; `qatui.core.markdown_import` is the door and documents the rules.

- `titles.py`: slugs, unique ids, a heading's priority, a note's kind
- `shell_lines.py`: a shell fence read as commands and tokens
- `fences.py`: one fence → probes, log sources, compose file sets
- `tree.py`: the heading tree and task boxes of the Markdown
- `placement.py`: which box a fence's words name
- `environments.py`: environments from compose file sets, `from_env` names
- `deep_stack.py`: the parse in a thread with a deep stack
- `importer.py`: the walk that builds the checklist
"""
