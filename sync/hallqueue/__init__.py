"""The hall queue service (排队叫号服务): HTTP JSON API over its own database, and its client.

`create_queue_app(db_url)` builds the FastAPI app; `hallclient server` mounts it under /queue
and `hallclient queue serve` runs it alone. The decisions are made by hallclient.queue.
"""

from sync.hallqueue.app import create_queue_app  # noqa: F401
