"""Bad input to the workshop's commands is one clear line and exit status 2, never a traceback."""
import sys

USAGE_ERROR = 2


class WorkshopError(Exception):
    """A problem the trainer can fix; the message says how."""


def run_command(main, argv=None):
    """Run ``main(argv)``; a WorkshopError prints ``error: ...`` on stderr and exits 2."""
    try:
        return main(argv)
    except WorkshopError as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
