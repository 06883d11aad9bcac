"""Sphinx configuration of engine's documentation site (``make docs`` builds it)."""

import os
import sys

# Document the engine of this checkout (its native modules built in place), not another one
# installed in the environment.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import engine  # noqa: E402

project = "engine"
author = "the engine developers"
copyright = "the engine developers"
release = engine.__version__
version = release

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

# Markdown pages: $...$ / $$...$$ math, ::: fences, headings linkable as page.md#anchor.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# API pages: autodoc reads the docstrings, numpydoc renders their Parameters/Returns sections.
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"
autosummary_generate = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

html_theme = "pydata_sphinx_theme"
html_title = f"engine {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
# The guide's pages are all top level, where the section navigation would be empty: no left
# sidebar there; the API pages keep it (it lists the modules).
html_sidebars = {
    **{
        os.path.splitext(page)[0]: []
        for page in os.listdir(os.path.dirname(__file__))
        if page.endswith(".md")
    },
    "**": ["sidebar-nav-bs"],
}
html_show_sourcelink = False
