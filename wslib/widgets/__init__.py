"""ipywidgets for the lessons (kept out of the core, so wslib itself needs no Jupyter).

One module per widget, e.g. ``wslib.widgets.accept`` for the handshake lesson's accept-key
calculator. Each module has a plain function that computes what the widget shows (tested without
Jupyter) and a ``*_widget()`` function that builds the ipywidgets UI around it.
"""
