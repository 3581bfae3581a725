package io.jcri.runtime.oci;

import java.util.List;

/** The identity a container's process runs with; supplementalGroups starts with the primary gid. */
public record ResolvedUser(long uid, long gid, List<Long> supplementalGroups) {
  public ResolvedUser {
    supplementalGroups = List.copyOf(supplementalGroups);
  }
}
