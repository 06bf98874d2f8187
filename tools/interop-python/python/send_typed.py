"""Sends a message whose application properties use every AMQP type the Python SDK can write, for the JS SDK to
read back."""

import datetime
import uuid

from azure.servicebus import ServiceBusMessage
from uamqp import c_uamqp, types

from common import read_input, service_bus_client, write_output

job = read_input()
properties = {
    "text": "tekst ü",
    "int": 42,
    "negative": -7,
    "long": types.AMQPLong(2**40),
    "double": 1.5,
    "yes": True,
    "nothing": None,
    "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "timestamp": c_uamqp.timestamp_value(1731585600000),
}
message = ServiceBusMessage(
    b'{"event_type":"agent_started","run_id":"run-py"}',
    application_properties=properties,
    message_id="from-python",
    correlation_id="corr-py",
    subject="agent_started",
    content_type="application/json",
    to="orchestrator",
    reply_to="agents",
    time_to_live=datetime.timedelta(minutes=30),
    scheduled_enqueue_time_utc=None,
)
with service_bus_client(job["bus"]) as client, client.get_queue_sender(job["queue"]) as sender:
    sender.send_messages(message)
write_output({"sent": 1})
