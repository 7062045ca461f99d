"""The headless core of qatui.

Everything here runs without a screen: the checklist model and loader, probes, log sources,
the session and the Markdown record. It must never import textual or rich (a test checks this
in a fresh interpreter), so that `qatui probe` in CI and the benchmarks stay light and the UI
can be replaced without touching what the files mean.
"""
