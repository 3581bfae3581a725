package io.jcri.runtime.oci;

import java.nio.file.Path;

/**
 * What a pod gives each of its containers: the namespaces to join, the cgroup parent and the files
 * shared by all containers of the pod.
 *
 * @param netnsPath the pinned network namespace; null when the pod uses the host network
 * @param ipcNsPath the pinned IPC namespace; null when none is pinned (then the infra process's, or
 *     a new one)
 * @param utsNsPath the pinned UTS namespace; null when none is pinned (then the infra process's, or
 *     a new one)
 * @param infraPid the pod's infra (pause) process; 0 when the pod has none
 * @param cgroupParent a cgroupfs path such as {@code /kubepods/pod<uid>} or a systemd slice; "" for
 *     the default
 * @param hostsFile may be null (kubelet usually mounts its own /etc/hosts)
 * @param shmPath the pod's /dev/shm; null when the pod uses the host IPC namespace
 */
public record SandboxContext(
    String sandboxId,
    String hostname,
    boolean hostNetwork,
    boolean hostIpc,
    boolean hostPid,
    Path netnsPath,
    Path ipcNsPath,
    Path utsNsPath,
    int infraPid,
    String cgroupParent,
    Path resolvConf,
    Path hostnameFile,
    Path hostsFile,
    Path shmPath) {}
