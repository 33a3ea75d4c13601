"""Administration of the organisation: the commune and officer pages and API, and officer accounts.

The organisation's tables and rules are ``org``; logins are ``auth``, which needs ``org``'s officers. Pages and
account actions need both, so they sit here, above the two.
"""
