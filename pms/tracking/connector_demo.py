"""The demo company's data connector: one example, switched off, pointing at a local port
nothing listens on (the demo never reaches out), so HR sees how a CRM export is set up."""

from __future__ import annotations

import datetime as dt

from pms.core.audit import Actor
from pms.core.models import AuditChannel
from pms.tracking.models import Connector, ConnectorFormat, ConnectorSchedule
from pms.tracking.services.connectors import connector_create

DEMO_NAME = "CRM 销售数据"


def run_connector_demo_step(seed: int) -> str:
    if Connector.objects.filter(name=DEMO_NAME).exists():
        return "Connectors: nothing to do."
    connector_create(
        actor=Actor(user=None, channel=AuditChannel.COMMAND),
        name=DEMO_NAME,
        url="http://127.0.0.1:9/export/sales.json",
        format=ConnectorFormat.JSON,
        auth_header="Authorization",
        auth_secret="Bearer demo-0000-not-a-real-token",  # noqa: S106 (an example)
        items_path="data.records",
        mapping={
            "employee_number": "salesRepNo",
            "indicator_code": "kpiCode",
            "date": "bizDate",
            "value": "amount",
            "external_id": "recordId",
            "note": "remark",
        },
        schedule=ConnectorSchedule.DAILY,
        daily_at=dt.time(2, 30),
        enabled=False,
    )
    return "Connectors: 1 example connector (disabled)."
