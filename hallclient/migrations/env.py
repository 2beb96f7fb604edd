from alembic import context

from hallclient.models import Base
import hallclient.syncstate  # noqa: F401 - sync's local tables
import hallclient.supervision.tables  # noqa: F401 - the supervisor's view of the hall
import hallclient.certificates.models  # noqa: F401 - certificates, stock, calibration
import hallclient.fees.records  # noqa: F401 - the fee tables
import hallclient.audit  # noqa: F401 - the audit trail

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
