"""Notifications to applicants (thông báo cho người nộp hồ sơ): a transactional outbox and the worker that drains it.

An action enqueues rows in its own transaction (``actions``); after the commit the worker sends them by email, SMS
or Zalo (``tasks``, ``senders``). See ``tasks`` for the delivery guarantees.
"""
