"""The package's version. The library it loads must have the same major and minor version
(``oc_version()``; see ``openconnectors.library_version``); the patch may differ."""

__version__ = "0.2.0"
