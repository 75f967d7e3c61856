"""Small applications built on wslib, each runnable from the command line (``python -m wslib``).

    wslib.apps.echo   every message sent back unchanged:  python -m wslib echo
    wslib.apps.chat   the chat room of lesson 10:         python -m wslib chat
"""
