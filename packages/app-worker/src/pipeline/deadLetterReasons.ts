import { messageDecodeErrorTags } from "@haymaker/domain"
import { sinkRejectedReason } from "./processBatch.ts"

/** Every reason the worker dead-letters a message with (the `reason` of `haymaker_messages_dead_lettered_total`). */
export const deadLetterReasons: ReadonlyArray<string> = [...messageDecodeErrorTags, sinkRejectedReason]
