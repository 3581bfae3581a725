package io.jcri.runtime.oci;

import io.jcri.cri.v1.LinuxContainerUser;
import java.util.List;

/** The identity a container's process runs with; supplementalGroups starts with the primary gid. */
public record ResolvedUser(long uid, long gid, List<Long> supplementalGroups) {
  public ResolvedUser {
    supplementalGroups = List.copyOf(supplementalGroups);
  }

  /** As ContainerStatus.user.linux reports it. */
  public LinuxContainerUser toCri() {
    return LinuxContainerUser.newBuilder().setUid(uid).setGid(gid).addAllSupplementalGroups(supplementalGroups).build();
  }
}
