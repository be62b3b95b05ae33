"""The exception the command line turns into one line on stderr and exit status 2."""


class UsageError(Exception):
    """A command-line value broke a rule; the message names the option and the rule."""
