"""blamegraph: who blames whom, on which issue, and how two sides' narratives diverge."""
__version__ = "0.1.0"
