"""Receives the messages the JS SDK sent, reports each as Python sees it, and sends each back to another queue with
every property it carried."""

from azure.servicebus import ServiceBusMessage

from common import body_bytes, describe, read_input, service_bus_client, text, write_output

job = read_input()
seen = []
with service_bus_client(job["bus"]) as client:
    with client.get_queue_receiver(job["from"]) as receiver, client.get_queue_sender(job["to"]) as sender:
        for _ in range(20):
            if len(seen) >= job["count"]:
                break
            for message in receiver.receive_messages(max_message_count=job["count"] - len(seen), max_wait_time=2):
                seen.append(describe(message))
                properties = {text(key): text(value) for key, value in (message.application_properties or {}).items()}
                sender.send_messages(
                    ServiceBusMessage(
                        body_bytes(message),
                        application_properties=properties,
                        message_id=text(message.message_id),
                        correlation_id=text(message.correlation_id),
                        subject=text(message.subject),
                        content_type=text(message.content_type),
                        to=text(message.to),
                        reply_to=text(message.reply_to),
                        time_to_live=message.time_to_live,
                    )
                )
                receiver.complete_message(message)
write_output({"received": seen})
