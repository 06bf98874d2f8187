"""Shared plumbing of the interop scripts: each reads one JSON document on standard input (where the emulator is,
what to do) and prints one JSON document on standard output (what it saw)."""

import json
import sys

from azure.servicebus import ServiceBusClient, TransportType


def read_input():
    return json.load(sys.stdin)


def write_output(result):
    json.dump(result, sys.stdout, default=str)
    sys.stdout.write("\n")


def service_bus_client(bus):
    """A client over AMQP on secure WebSockets to the emulator, trusting its CA: the only way azure-servicebus 7.x
    reaches a port of one's choosing (it predates UseDevelopmentEmulator)."""
    return ServiceBusClient.from_connection_string(
        bus["connectionString"],
        transport_type=TransportType.AmqpOverWebsocket,
        custom_endpoint_address=bus["endpoint"],
        connection_verify=bus["ca"],
        retry_total=2,
    )


def text(value):
    return value.decode("utf-8") if isinstance(value, (bytes, bytearray)) else value


def body_bytes(message):
    body = message.body
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    return b"".join(bytes(part) for part in body)


def describe(message):
    """The received message as JSON: every system property, application properties with their Python types."""
    properties = {}
    for key, value in (message.application_properties or {}).items():
        properties[text(key)] = {"type": type(value).__name__, "value": text(value)}
    return {
        "messageId": text(message.message_id),
        "correlationId": text(message.correlation_id),
        "subject": text(message.subject),
        "contentType": text(message.content_type),
        "to": text(message.to),
        "replyTo": text(message.reply_to),
        "sessionId": text(message.session_id),
        "timeToLiveSeconds": message.time_to_live.total_seconds() if message.time_to_live else None,
        "sequenceNumber": message.sequence_number,
        "deliveryCount": message.delivery_count,
        "deadLetterReason": text(message.dead_letter_reason),
        "deadLetterErrorDescription": text(message.dead_letter_error_description),
        "applicationProperties": properties,
        "body": body_bytes(message).hex(),
    }
