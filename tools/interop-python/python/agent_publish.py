"""A HayMaker agent as the seed's event bus module publishes: each event a JSON message to the topic, the first
ones one by one, the rest in message batches."""

import json

from azure.servicebus import ServiceBusMessage

from common import read_input, service_bus_client, write_output

job = read_input()
events = job["events"]
singles = events[: job["single"]]
batched = events[job["single"]:]
batches = 0
with service_bus_client(job["bus"]) as client, client.get_topic_sender(job["topic"]) as sender:
    for event in singles:
        sender.send_messages(ServiceBusMessage(json.dumps(event), content_type="application/json"))
    batch = sender.create_message_batch()
    for event in batched:
        message = ServiceBusMessage(json.dumps(event), content_type="application/json")
        try:
            batch.add_message(message)
        except ValueError:
            sender.send_messages(batch)
            batches += 1
            batch = sender.create_message_batch()
            batch.add_message(message)
    if len(batch) > 0:
        sender.send_messages(batch)
        batches += 1
write_output({"single": len(singles), "batched": len(batched), "batches": batches})
