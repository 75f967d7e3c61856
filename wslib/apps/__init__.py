"""Small applications built on wslib, each runnable from the command line (``python -m wslib``).

    wslib.apps.echo         every message sent back unchanged:  python -m wslib echo
    wslib.apps.client_cli   a terminal client:  python -m wslib client URL [--show-frames]
    wslib.apps.chat         the chat room of lesson 10:  python -m wslib chat
"""
