import type { ResourceRecord, SinkMessage } from "../src/SinkMessage.ts"

export const VM_ID = "/subscriptions/sub1/resourceGroups/rg1/providers/Microsoft.Compute/virtualMachines/vm1"

export const resourceCreatedBody = (n = 1) => ({
  event_type: "resource_created",
  resource_id: `${VM_ID}${n}`,
  resource_type: "Microsoft.Compute/virtualMachines",
  resource_name: `vm1${n}`,
  scenario_name: "test-scenario",
  run_id: "run-123",
  timestamp: "2024-11-14T12:00:00Z",
  tags: { environment: "test", team: "haymaker" },
})

export const resourceRecord = (n = 1): ResourceRecord => ({
  resource_id: `${VM_ID}${n}`,
  resource_type: "Microsoft.Compute/virtualMachines",
  resource_name: `vm1${n}`,
  scenario_name: "test-scenario",
  run_id: "run-123",
  created_at: "2024-11-14T12:00:00.000Z",
  status: "created",
  deletion_attempts: null,
  deletion_error: null,
  tags: { environment: "test", team: "haymaker" },
})

export const resourceMessage = (messageId: string, n = 1): SinkMessage => ({
  messageId,
  body: resourceCreatedBody(n),
  resource: resourceRecord(n),
  deliveryCount: 1,
  enqueuedTime: new Date("2024-11-14T12:00:01.000Z"),
  sequenceNumber: 42n,
})

export const agentLogMessage = (messageId: string, details: unknown = { step: 1 }): SinkMessage => ({
  messageId,
  body: {
    event_type: "operation",
    timestamp: "2024-11-14T12:00:02.123456",
    scenario_name: "test-scenario",
    run_id: "run-123",
    agent_id: "agent-7",
    message: "created vm",
    severity: "info",
    details,
  },
  deliveryCount: 1,
  enqueuedTime: new Date("2024-11-14T12:00:03.000Z"),
})

export const otherMessage = (messageId: string): SinkMessage => ({
  messageId,
  body: { event_type: "custom_metric", value: 3 },
})
