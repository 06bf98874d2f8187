/**
 * The V8 heap limits the worker is run with (the `bin` shebang, the package scripts, the bench): a young generation
 * of 16 MB per semi-space and a 256 MB old generation. Node's defaults size both from the machine's memory (64 MB
 * semi-spaces and gigabytes of old space on our 24 GB machines), so a busy worker's resident memory follows the host
 * rather than its work; with these it stays under 300 MB at full speed (about 240 MB). 8 MB semi-spaces saved about
 * 20 MB but cost throughput: the worker holds up to 1,000 messages and batches of 500, which a small young
 * generation keeps copying and promoting (see BENCHMARKS.md). Keep in step with package.json scripts.
 */
export const workerNodeFlags: ReadonlyArray<string> = ["--max-semi-space-size=16", "--max-old-space-size=256"]
