// Preloaded (`--require`) into a profiled SUT: SIGUSR2 exits normally, so that `--cpu-prof`
// writes its profile even for servers that have no SIGTERM handler of their own.
process.on("SIGUSR2", () => process.exit(0));
