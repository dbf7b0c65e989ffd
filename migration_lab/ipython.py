"""The IPython shell the lab runs in, if any: notebooks get extras, plain Python gets none."""


def current_shell():
    """The running IPython shell, or None outside IPython (a script, a test, the CLI)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()
