"""Receives every message of a queue in peek-lock, holding all the locks, then settles the whole batch with mixed
outcomes chosen by each message's `index` application property (modulo 4: complete, abandon, dead-letter, defer).
Reports what it did."""

from common import read_input, service_bus_client, write_output

job = read_input()
count = job["count"]
held = {}
with service_bus_client(job["bus"]) as client, client.get_queue_receiver(job["queue"]) as receiver:
    for _ in range(60):
        if len(held) >= count:
            break
        for message in receiver.receive_messages(max_message_count=count - len(held), max_wait_time=2):
            index = message.application_properties[b"index"]
            if index in held:
                raise RuntimeError(f"message {index} was delivered twice while its lock was held")
            held[index] = message
    outcomes = {"completed": [], "abandoned": [], "deadLettered": [], "deferred": []}
    for index in sorted(held):
        message = held[index]
        outcome = index % 4
        if outcome == 0:
            receiver.complete_message(message)
            outcomes["completed"].append(index)
        elif outcome == 1:
            receiver.abandon_message(message)
            outcomes["abandoned"].append(index)
        elif outcome == 2:
            receiver.dead_letter_message(message, reason=f"reason-{index}", error_description=f"index {index}")
            outcomes["deadLettered"].append(index)
        else:
            receiver.defer_message(message)
            outcomes["deferred"].append(index)
write_output({"received": len(held), "outcomes": outcomes})
