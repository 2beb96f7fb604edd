"""Queue calling (排队叫号), Qt-free: tickets, window work profiles, call rules, events, stats.

The decision logic is pure: `profile.choose_next` picks a ticket from plain data and
`actions` turns one clerk action into state changes plus a `QueueEvent` with an outcome code.
`engine.QueueEngine` runs them in memory (tests, offline); the hall queue service
(sync/hallqueue) runs the same functions inside one database transaction per action.
"""
