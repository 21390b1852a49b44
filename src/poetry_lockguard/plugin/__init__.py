"""The Poetry front door: the only package that imports Poetry's application or cleo.

``application.py`` is the plugin Poetry loads (``LockguardPlugin``): it registers the
``lockguard`` commands (``console/``) and, through ``listener.py``, the install guard
(``install_guard/``) and the ``poetry run`` guard (``run_guard.py``). Every private
Poetry name is in ``poetry_api.py``. Importing this package imports nothing of Poetry,
so the guard's pure decisions can be tested without it.
"""
