"""The Textual user interface: the app owns workers; widgets get data and post messages."""
