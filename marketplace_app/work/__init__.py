"""The operator's side of a request: feed, accept, submit, verification, review, timers."""
