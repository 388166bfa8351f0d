"""The package's version; the loaded library's ``oc_version()`` must equal it."""

__version__ = "0.1.0"
