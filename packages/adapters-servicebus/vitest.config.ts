import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "adapters-servicebus",
    include: ["test/**/*.test.ts"],
  },
})
