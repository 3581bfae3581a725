package io.jcri.runtime.fakes;

import io.jcri.cni.PodNetwork;
import io.jcri.cni.PodNetworkResult;
import io.jcri.runtime.sandbox.PodNetworking;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** CNI in memory: the pods attached, by sandbox ID; ADD can be made to fail. */
public final class FakeNetworking implements PodNetworking {
  public final Set<String> attached = ConcurrentHashMap.newKeySet();
  public volatile boolean failAdd;

  /** Runs inside ADD, before it answers. */
  public volatile Runnable duringAdd = () -> {};

  @Override
  public PodNetworkResult setUp(PodNetwork pod) throws IOException {
    if (failAdd) {
      throw new IOException("fake ADD failed");
    }
    duringAdd.run();
    attached.add(pod.sandboxId());
    return new PodNetworkResult(
        "fake", List.of("10.88.0.9", "fd00::9"), List.of(), "{\"cniVersion\":\"1.0.0\"}");
  }

  @Override
  public void tearDown(PodNetwork pod) {
    attached.remove(pod.sandboxId());
  }
}
