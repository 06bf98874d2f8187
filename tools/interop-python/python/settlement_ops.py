"""Every settlement and management operation of a peek-lock receiver, through the Python SDK: complete, abandon,
dead-letter with a reason, defer and receive deferred, renew a lock, schedule and cancel, peek."""

import datetime

from azure.servicebus import ServiceBusMessage, ServiceBusReceiveMode, ServiceBusSubQueue

from common import describe, read_input, service_bus_client, text, write_output


def receive(receiver, count):
    received = []
    for _ in range(20):
        if len(received) >= count:
            break
        received.extend(receiver.receive_messages(max_message_count=count - len(received), max_wait_time=2))
    return received


job = read_input()
queue = job["queue"]
result = {}
with service_bus_client(job["bus"]) as client:
    with client.get_queue_sender(queue) as sender:
        sender.send_messages([ServiceBusMessage(f"op-{i}", message_id=f"op-{i}") for i in range(5)])
        later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
        scheduled = sender.schedule_messages(ServiceBusMessage("later", message_id="later"), later)
        result["scheduled"] = list(scheduled)
        with client.get_queue_receiver(queue) as peeker:
            result["peekedStates"] = {text(m.message_id): str(m.state) for m in peeker.peek_messages(max_message_count=10)}
        sender.cancel_scheduled_messages(scheduled)

    with client.get_queue_receiver(queue, receive_mode=ServiceBusReceiveMode.PEEK_LOCK) as receiver:
        messages = {text(m.message_id): m for m in receive(receiver, 5)}
        result["received"] = sorted(messages)
        receiver.complete_message(messages["op-0"])
        receiver.abandon_message(messages["op-1"])
        receiver.dead_letter_message(messages["op-2"], reason="invalid-event", error_description="missing resource_id")
        receiver.defer_message(messages["op-3"])
        deferred = receiver.receive_deferred_messages([messages["op-3"].sequence_number])
        result["deferred"] = [describe(m) for m in deferred]
        for message in deferred:
            receiver.complete_message(message)
        before = messages["op-4"].locked_until_utc
        after = receiver.renew_message_lock(messages["op-4"])
        result["lockRenewedBySeconds"] = (after - before).total_seconds()
        receiver.complete_message(messages["op-4"])
        again = receive(receiver, 1)
        result["redelivered"] = [describe(m) for m in again]
        for message in again:
            receiver.complete_message(message)
        result["peekAfter"] = [text(m.message_id) for m in receiver.peek_messages(max_message_count=10)]

    with client.get_queue_receiver(queue, sub_queue=ServiceBusSubQueue.DEAD_LETTER) as dead_letters:
        letters = receive(dead_letters, 1)
        result["deadLettered"] = [describe(m) for m in letters]
        for message in letters:
            dead_letters.complete_message(message)

write_output(result)
