"""Sphinx configuration of the course website (``make book``; see book/build.py).

Sphinx + MyST-NB + sphinx-book-theme: pure Python packages from the pinned lock, no Node.js.
The notebooks are NOT executed (``nb_execution_mode = "off"``): the pages show the outputs stored
in the notebooks, which nbval keeps current in ``make test``.
"""

project = "wscourse"
author = "the wscourse authors"
copyright = "the wscourse authors"
html_title = "wscourse"

extensions = ["myst_nb"]
root_doc = "index"
language = "en"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

nb_execution_mode = "off"  # stored outputs only; never run a lesson's servers at build time
nb_merge_streams = True  # a cell's prints read as one block, as in JupyterLab
myst_heading_anchors = 3  # "#some-heading" links inside and between lessons resolve
# Warnings fail the build (book/build.py), except a heading that skips a level (## then ####):
# it costs a reader nothing on the page, so it is not worth a red CI.
suppress_warnings = ["myst.header"]

html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_copy_source = True  # for the download button: build.py puts the lessons' own notebooks there
html_sourcelink_suffix = ""
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {
    "home_page_in_toc": True,
    "show_navbar_depth": 1,
    "use_download_button": True,
    "use_fullscreen_button": False,
    "use_repository_button": False,
    "show_toc_level": 2,
    "navbar_persistent": [],  # search is in the sidebar already (one search box, not two)
}
pygments_style = "sphinx"

# Keep the lessons' straight quotes as they are (code names, titles): no typographic quotes.
smartquotes = False
