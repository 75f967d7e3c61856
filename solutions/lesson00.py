"""Reference solution for lesson 00, the warm-up exercise.

Same function name as the exercise cell in notebooks/00_start_here.ipynb; checked by
wslib.exercises.lesson00 in tests/test_exercises_lesson00.py.
"""

from __future__ import annotations


# Exercise 0.1
def text_opcode() -> int:
    """The opcode of a text frame (RFC 6455 section 5.2)."""
    ### BEGIN SOLUTION
    return 0x1
    ### END SOLUTION


# Exercise 0.2
async def echo_once(url: str, text: str) -> str:
    """Connect, send text, return the reply; the connection is closed on the way out."""
    ### BEGIN SOLUTION
    from wslib.client import connect

    async with connect(url) as ws:
        await ws.send(text)
        return await ws.recv()
    ### END SOLUTION
