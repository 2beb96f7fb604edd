"""The hall queue service (排队叫号服务): HTTP JSON API over its own database, and its client.

`sync.hallqueue.app.create_queue_app(db_url)` builds the FastAPI app; `hallclient server`
mounts it under /queue and `hallclient queue serve` runs it alone. The decisions are made by
hallclient.queue. This package module imports nothing: windows import only the client, and
FastAPI (a quarter of a second) stays out of the window client's start-up.
"""
