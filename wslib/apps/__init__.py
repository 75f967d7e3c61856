"""Small applications built on wslib, each runnable from the command line (``python -m wslib``).

    wslib.apps.echo   every message sent back unchanged:  python -m wslib echo
"""
