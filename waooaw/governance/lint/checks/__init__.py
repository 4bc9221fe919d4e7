"""The rules, one module per theme; importing this package registers them.

Themes load in the order of :data:`THEMES`, which is the order ``waooaw lint
--list-rules`` shows and configuration examples follow.
"""

from importlib import import_module

__all__ = ["THEMES"]

THEMES = ("operations", "errors", "examples", "parameters", "components", "bounds", "security")

for _theme in THEMES:
    import_module(f"{__name__}.{_theme}")
