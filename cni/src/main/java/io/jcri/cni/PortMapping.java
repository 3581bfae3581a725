package io.jcri.cni;

/**
 * A host port the pod asks for (CRI PortMapping).
 *
 * @param protocol TCP, UDP or SCTP (any case)
 * @param hostIp the host address to bind, or null/empty for all
 */
public record PortMapping(String protocol, int containerPort, int hostPort, String hostIp) {}
