"""What an operator sees of Haven: its log lines, request ids and metrics.

None of it carries what people said or who they are beyond an id: no e-mail address,
no variable's value, no message text, no GP details, no token.
"""
