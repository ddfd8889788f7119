"""What each operation does: the workflows and rules, one module per domain.

Nothing here knows about GraphQL types: functions take plain values and models,
return models, and raise the errors of ``errors``. ``check_*`` validates and
writes nothing; ``do_*`` writes, inside a transaction where it writes twice.
"""
