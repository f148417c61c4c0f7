"""Notifications of seekers, computed from the event streams: the consumer (``consumer.py``) turns
application moves and newly published opportunities into in-app notices (``planning.py``, ``service.py``)
and hands each new one to the deployment's sender (``senders.py``)."""
