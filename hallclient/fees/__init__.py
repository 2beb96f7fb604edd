"""Fees at the window (收费): rules, money, payments, receipts, paper stock, daily close.

Qt-free. Each operation takes the session, the acting `Actor` (+ `Desk`) and plain arguments,
and returns dataclasses; writes happen in the caller's transaction together with the case
event and its outbox row (hallclient.caselog)."""
