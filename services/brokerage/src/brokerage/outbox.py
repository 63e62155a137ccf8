"""The service's outbox, for code that runs outside a request (consumers, background tasks).

It is the same table and source the platform's runtime outbox uses; building it needs no I/O.
"""

from __future__ import annotations

from shared.contracts.brokerage import SOURCE
from shared.messaging.outbox import Outbox

from brokerage.db.tables import outbox_event

OUTBOX = Outbox(outbox_event, source=SOURCE)
