"""Entry point of the frozen program: the same `hallclient` command as `pip install` gives.

The Windows shortcuts start it as `hallclient.exe app`, `hallclient.exe display` and
`hallclient.exe kiosk`; every other subcommand works as documented in the README.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # uvicorn workers and the queue bench spawn processes
    from hallclient.cli import main

    sys.exit(main())
