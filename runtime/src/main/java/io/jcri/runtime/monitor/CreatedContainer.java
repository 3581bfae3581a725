package io.jcri.runtime.monitor;

/**
 * A container in the runtime's CREATED state: its init process (host pid) and the conmon watching
 * it.
 */
public record CreatedContainer(String id, int pid, int conmonPid) {}
