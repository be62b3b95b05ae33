"""The sub-commands of the ``stepshrink`` command line, one module each."""
