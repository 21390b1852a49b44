"""The stand-alone front door, ``python -m poetry_lockguard``: never imports Poetry's application."""
