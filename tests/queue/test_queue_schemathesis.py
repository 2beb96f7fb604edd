"""Schemathesis against the hall queue service's own OpenAPI schema (request bodies declared
there), over real HTTP, bounded: a few dozen generated requests per operation on SQLite and on
PostgreSQL. Every answer must be a documented status with a body matching the schema, and
none a server error."""

from __future__ import annotations

import re

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from sync.hallqueue.inputs import WINDOW

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
KIOSK_PATHS = ("/tickets", "/appointments/check-in", "/tickets/{ticket}/requeue")
MAX_EXAMPLES = 20  # per operation: about 25 operations, well under a minute per backend


class Tokens:
    """The token a real caller of each operation would carry, so generated requests reach the
    handlers instead of stopping at 401/403: window actions get their own window's token."""

    def __init__(self, srv):
        self.srv, self.cache = srv, {}

    def for_case(self, case) -> str:
        path, method = case.operation.path, case.method.upper()
        code = (case.path_parameters or {}).get("code")
        if path.startswith("/windows/{code}/") and isinstance(code, str) and re.match(WINDOW, code):
            key = ("window", code)
        elif path in KIOSK_PATHS and method == "POST":
            key = ("kiosk", "")
        else:
            key = ("admin", "")
        if key not in self.cache:
            self.cache[key] = self.srv.token(*key, label="schemathesis")
        return self.cache[key]


def test_queue_api_conforms_to_its_schema(any_service):
    # The schemathesis pytest plugin's lazy loading does not run under pytest 9; each operation's
    # Hypothesis strategy is driven directly instead (same generation, same checks).
    schema = schemathesis.openapi.from_url(any_service.url + "/openapi.json")
    tokens = Tokens(any_service)
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 20
    for op in operations:
        assert op.path == "/health" or op.security, f"{op.label} declares no security"
        if op.method.upper() in ("POST", "PUT"):
            assert op.path.endswith(("/call-next", "/recall", "/no-show", "/park", "/resume", "/end", "/requeue")) \
                or op.body, f"{op.label} declares no request body"

        @given(case=op.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)
        def run(case):
            if case.operation.path == "/events":
                case.query = {**(case.query or {}), "timeout": 0}  # a long poll would only make the run slow
            case.call_and_validate(headers={"Authorization": f"Bearer {tokens.for_case(case)}"}, checks=CHECKS, timeout=30)

        run()
