"""Sessions through the Python SDK (azure-servicebus 7.x on uamqp): by id and next available, the lock's expiry and the
session id read from the attach, abandon order and delivery counts, peek, state, renewal, refusal of sessionless
sends. Reports each check."""

from azure.servicebus import NEXT_AVAILABLE_SESSION, ServiceBusMessage
from azure.servicebus.exceptions import ServiceBusError

from common import read_input, service_bus_client, write_output

job = read_input()
client = service_bus_client(job["bus"])
checks = []


def check(what, actual, expected):
    checks.append({"what": what, "ok": actual == expected, "actual": repr(actual), "expected": repr(expected)})


with client:
    with client.get_queue_sender("orders") as sender:
        sender.send_messages([ServiceBusMessage(f"a{i}", session_id="a") for i in range(3)])
        sender.send_messages(ServiceBusMessage("b0", session_id="b"))
        try:
            sender.send_messages(ServiceBusMessage("no session"))
            check("a message without a session id is refused", "accepted", "refused")
        except ServiceBusError as error:
            check("a message without a session id is refused", "The SessionId was not set" in str(error), True)

    with client.get_queue_receiver("orders", session_id="a", max_wait_time=5) as receiver:
        session = receiver.session
        check("the session lock's expiry is read from the attach (locked-until-utc ticks)", session.locked_until_utc is not None, True)
        first = receiver.receive_messages(max_message_count=1, max_wait_time=5)
        check("the first message of the session", [str(m) for m in first], ["a0"])
        receiver.abandon_message(first[0])
        messages = []
        while len(messages) < 3:
            batch = receiver.receive_messages(max_message_count=3 - len(messages), max_wait_time=5)
            if not batch:
                break
            messages += batch
        check("the abandoned message comes back first, then the rest in order", [str(m) for m in messages], ["a0", "a1", "a2"])
        check("delivery counts", [m.delivery_count for m in messages], [1, 0, 0])
        check("session ids", {m.session_id for m in messages}, {"a"})
        check("peek within the session", [str(m) for m in receiver.peek_messages(max_message_count=10, sequence_number=1)], ["a0", "a1", "a2"])
        session.set_state(b"checkpoint-1")
        check("session state", session.get_state(), b"checkpoint-1")
        before = session.locked_until_utc
        check("renew_lock extends the session lock", session.renew_lock() >= before, True)
        for message in messages:
            receiver.complete_message(message)

    with client.get_queue_receiver("orders", session_id=NEXT_AVAILABLE_SESSION, max_wait_time=5) as receiver:
        check("the next available session's id is read from the attach", receiver.session.session_id, "b")
        messages = receiver.receive_messages(max_message_count=5, max_wait_time=5)
        check("its message", [str(m) for m in messages], ["b0"])
        for message in messages:
            receiver.complete_message(message)

    with client.get_queue_receiver("orders", session_id="a", max_wait_time=5) as receiver:
        check("the state outlives the receiver", receiver.session.get_state(), b"checkpoint-1")
        check("nothing left in the session", receiver.receive_messages(max_message_count=1, max_wait_time=1), [])

write_output({"checks": checks})
