"""plumbing: what bounds, simulate and stepshrink all need from the machine they run on.

Files written atomically (a temporary file renamed into place, pairs together), output paths
checked by trying to write them, strict JSON (``null`` with a reason instead of NaN), figure
files, and the memory guard. It imports none of the three packages (a test checks it), so
``bounds`` and ``simulate`` can both use it without importing each other.
"""
