"""The one exception type users see.

A ``MediagenError`` carries a message meant for a person: it names the file (or
row, or URL) and what to do about it. Rule scripts and the ``mediagen`` command
print it as a single line and exit non-zero; anything else is a bug and keeps
its traceback.
"""


class MediagenError(Exception):
    """A problem with the user's input or environment, explained in one line."""
