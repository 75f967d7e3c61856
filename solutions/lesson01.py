"""Reference solutions for lesson 01, HTTP vs WebSocket.

Same function names as the exercise cells in notebooks/01_http_vs_websocket.ipynb. Each one is
checked by wslib.exercises.lesson01 in tests/test_exercises_lesson01.py.
"""

from __future__ import annotations


# Exercise 1.1
def ws_frame_overhead(n: int, from_client: bool) -> int:
    """Bytes a WebSocket frame adds to an n-byte payload (RFC 6455 section 5.2)."""
    ### BEGIN SOLUTION
    if n <= 125:
        header = 2  # the length fits in the 7-bit field
    elif n <= 0xFFFF:
        header = 2 + 2  # 126, then a 16-bit length
    else:
        header = 2 + 8  # 127, then a 64-bit length
    if from_client:
        header += 4  # the masking key: clients mask every frame (section 5.1)
    return header
    ### END SOLUTION


# Exercise 1.2
def polling_overhead_per_event(request_head: int, response_head: int, polls: int,
                               events: int) -> float:
    """HTTP head bytes (both directions) spent per delivered event."""
    ### BEGIN SOLUTION
    return polls * (request_head + response_head) / events
    ### END SOLUTION


# Exercise 1.3
def choose_transport(scenario: str) -> str:
    """The best fit for scenarios A-D of the lesson."""
    ### BEGIN SOLUTION
    answers = {
        "A": "polling",  # rare, cacheable, delay is fine
        "B": "sse",  # one direction, text, built-in reconnection with Last-Event-ID
        "C": "websocket",  # frequent client messages, binary
        "D": "long-polling",  # no Upgrade, buffering proxy, rare events that must be fast
    }
    return answers[scenario]
    ### END SOLUTION
