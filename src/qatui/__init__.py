"""qatui: work through a release checklist by hand, with probes, live logs and a Markdown record."""

__version__ = "0.1.0"
