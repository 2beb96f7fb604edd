"""The central server's routers, one module per concern. Each module exposes `router`, an
APIRouter with its paths under protocol.API_PREFIX; sync.server.app includes every router of
ROUTERS. Follow the rules of docs/sync-protocol.md ("Rules every endpoint follows")."""
