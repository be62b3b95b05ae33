"""stepshrink: the command line and the report that wire ``bounds`` and ``simulate`` together.

``bounds`` is the theory (SymPy), ``simulate`` the experiment (NumPy); this package holds
no mathematics of its own.
"""

__version__ = "0.1.0"
